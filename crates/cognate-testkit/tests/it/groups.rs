//! Groups through the Rust SDK: CreateGroup, GetGroup, UpdateGroup,
//! DeleteGroup, ListGroups, AdminAddUserToGroup, AdminRemoveUserFromGroup,
//! AdminListGroupsForUser and ListUsersInGroup.

use crate::*;
use std::collections::BTreeSet;

const ROLE: &str = "arn:aws:iam::000000000000:role/staff";

async fn create_group(c: &idp::Client, pool: &str, name: &str) {
    c.create_group()
        .user_pool_id(pool)
        .group_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateGroup {name}: {e:?}"));
}

async fn add(c: &idp::Client, pool: &str, user: &str, group: &str) {
    c.admin_add_user_to_group()
        .user_pool_id(pool)
        .username(user)
        .group_name(group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminAddUserToGroup {user} {group}: {e:?}"));
}

async fn groups_of(c: &idp::Client, pool: &str, user: &str) -> BTreeSet<String> {
    c.admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminListGroupsForUser {user}: {e:?}"))
        .groups()
        .iter()
        .map(|g| g.group_name().unwrap().to_string())
        .collect()
}

async fn members(c: &idp::Client, pool: &str, group: &str) -> BTreeSet<String> {
    c.list_users_in_group()
        .user_pool_id(pool)
        .group_name(group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListUsersInGroup {group}: {e:?}"))
        .users()
        .iter()
        .map(|u| u.username().unwrap().to_string())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

both!(group_crud, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "groups").await;
    let created = c
        .create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .description("The staff")
        .precedence(5)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let g = created.group().expect("Group");
    assert_eq!(g.group_name(), Some("staff"));
    assert_eq!(g.user_pool_id(), Some(pool.as_str()));
    assert_eq!(g.description(), Some("The staff"));
    assert_eq!(g.precedence(), Some(5));
    assert_eq!(g.role_arn(), Some(ROLE));
    assert!(g.creation_date().is_some() && g.last_modified_date().is_some());

    let got = c
        .get_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group(), Some(g));

    // UpdateGroup changes what it names and keeps the rest.
    let updated = c
        .update_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .description("Everyone on staff")
        .send()
        .await
        .unwrap();
    let u = updated.group().unwrap();
    assert_eq!(u.description(), Some("Everyone on staff"));
    assert_eq!(u.precedence(), Some(5));
    assert_eq!(u.role_arn(), Some(ROLE));
    let got = c
        .get_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.group().unwrap().description(),
        Some("Everyone on staff")
    );
    assert_eq!(got.group().unwrap().creation_date(), g.creation_date());

    let message = expect_code(
        c.create_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await,
        "GroupExistsException",
    );
    assert!(!message.is_empty());

    c.delete_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    expect_code(
        c.get_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    expect_code(
        c.delete_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    expect_code(
        c.update_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .description("x")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    expect_code(
        c.create_group()
            .user_pool_id("us-east-1_Nope12345")
            .group_name("staff")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    // The name is free again; a group in another pool may share it.
    create_group(&c, &pool, "staff").await;
    let other = new_pool(&c, "other").await;
    create_group(&c, &other, "staff").await;
});

both!(list_groups_paging, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "paging").await;
    let mut all = BTreeSet::new();
    for i in 0..7 {
        let name = format!("group-{i}");
        create_group(&c, &pool, &name).await;
        all.insert(name);
    }
    let mut seen = BTreeSet::new();
    let mut sizes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = c
            .list_groups()
            .user_pool_id(&pool)
            .limit(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.groups().len());
        for g in page.groups() {
            assert!(
                seen.insert(g.group_name().unwrap().to_string()),
                "{g:?} twice"
            );
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, all);
    let page = c.list_groups().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(page.groups().len(), 7);
    assert!(page.next_token().is_none());
    // Another pool's list is empty.
    let other = new_pool(&c, "empty").await;
    let page = c.list_groups().user_pool_id(&other).send().await.unwrap();
    assert!(page.groups().is_empty());
});

both!(membership, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "members").await;
    for u in ["alice", "bob", "carol"] {
        confirmed_user(&c, &pool, u, &[]).await;
    }
    for g in ["admins", "staff"] {
        create_group(&c, &pool, g).await;
    }
    add(&c, &pool, "alice", "admins").await;
    add(&c, &pool, "alice", "staff").await;
    add(&c, &pool, "bob", "staff").await;
    // Adding twice is harmless.
    add(&c, &pool, "bob", "staff").await;

    assert_eq!(
        groups_of(&c, &pool, "alice").await,
        set(&["admins", "staff"])
    );
    assert_eq!(groups_of(&c, &pool, "bob").await, set(&["staff"]));
    assert!(groups_of(&c, &pool, "carol").await.is_empty());
    assert_eq!(members(&c, &pool, "staff").await, set(&["alice", "bob"]));
    assert_eq!(members(&c, &pool, "admins").await, set(&["alice"]));

    // ListUsersInGroup returns whole users.
    let out = c
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let alice = &out.users()[0];
    assert!(attr_of(alice.attributes(), "sub").is_some());
    assert_eq!(alice.user_status().map(|s| s.as_str()), Some("CONFIRMED"));

    // AdminListGroupsForUser returns whole groups, and pages.
    let out = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("alice")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(out.groups().len(), 1);
    assert_eq!(out.groups()[0].user_pool_id(), Some(pool.as_str()));
    let next = out.next_token().expect("NextToken").to_string();
    let out2 = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("alice")
        .limit(1)
        .next_token(next)
        .send()
        .await
        .unwrap();
    assert_eq!(out2.groups().len(), 1);
    assert_ne!(out.groups()[0].group_name(), out2.groups()[0].group_name());

    c.admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("staff")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of(&c, &pool, "alice").await, set(&["admins"]));
    assert_eq!(members(&c, &pool, "staff").await, set(&["bob"]));

    // Errors.
    expect_code(
        c.admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("alice")
            .group_name("nosuch")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    expect_code(
        c.admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("nobody")
            .group_name("staff")
            .send()
            .await,
        "UserNotFoundException",
    );
    expect_code(
        c.admin_remove_user_from_group()
            .user_pool_id(&pool)
            .username("alice")
            .group_name("nosuch")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    expect_code(
        c.list_users_in_group()
            .user_pool_id(&pool)
            .group_name("nosuch")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    expect_code(
        c.admin_list_groups_for_user()
            .user_pool_id(&pool)
            .username("nobody")
            .send()
            .await,
        "UserNotFoundException",
    );
});

both!(deleting_user_leaves_groups, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "del-user").await;
    for u in ["alice", "bob"] {
        confirmed_user(&c, &pool, u, &[]).await;
    }
    create_group(&c, &pool, "staff").await;
    create_group(&c, &pool, "admins").await;
    add(&c, &pool, "alice", "staff").await;
    add(&c, &pool, "alice", "admins").await;
    add(&c, &pool, "bob", "staff").await;
    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(members(&c, &pool, "staff").await, set(&["bob"]));
    assert!(members(&c, &pool, "admins").await.is_empty());
    // A new user of the same name starts with no groups.
    confirmed_user(&c, &pool, "alice", &[]).await;
    assert!(groups_of(&c, &pool, "alice").await.is_empty());
    assert_eq!(members(&c, &pool, "staff").await, set(&["bob"]));
});

both!(
    deleting_group_drops_memberships,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "del-group").await;
        for u in ["alice", "bob"] {
            confirmed_user(&c, &pool, u, &[]).await;
        }
        create_group(&c, &pool, "staff").await;
        create_group(&c, &pool, "admins").await;
        add(&c, &pool, "alice", "staff").await;
        add(&c, &pool, "alice", "admins").await;
        add(&c, &pool, "bob", "staff").await;
        c.delete_group()
            .user_pool_id(&pool)
            .group_name("staff")
            .send()
            .await
            .unwrap();
        assert_eq!(groups_of(&c, &pool, "alice").await, set(&["admins"]));
        assert!(groups_of(&c, &pool, "bob").await.is_empty());
        // A new group of the same name starts empty.
        create_group(&c, &pool, "staff").await;
        assert!(members(&c, &pool, "staff").await.is_empty());
        // The users are still there.
        assert_eq!(status_of(&c, &pool, "bob").await, "CONFIRMED");
    }
);

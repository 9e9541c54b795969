"""Hosted sign-in through independent clients, on both backends: the OAuth 2.0
code flow with PKCE driven with `requests` (the /login form read and posted as
a browser would), the endpoints found through the pool's discovery document and
the ID token verified with PyJWT against the served JWKS; and the same sign-in
in headless Chromium (selenium) typing into the /login page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import os
import re
import secrets
import shutil
import threading
import urllib.parse

import jwt
import pytest
import requests

from conftest import unique

PASSWORD = "Passw0rd!"


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _setup(idp, callback: str) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName=unique())["UserPool"]["Id"]
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain=unique("dom"))
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        CallbackURLs=[callback],
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="bob",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username="bob", Password=PASSWORD, Permanent=True)
    return pool_id, client_id


def _redeem(disco: dict, client_id: str, callback: str, code: str, verifier: str) -> dict:
    r = requests.post(
        disco["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": callback,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def _verified_id_claims(disco: dict, client_id: str, id_token: str) -> dict:
    key = jwt.PyJWKClient(disco["jwks_uri"]).get_signing_key_from_jwt(id_token)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=client_id, issuer=disco["issuer"])


def test_code_flow_with_requests(server, idp):
    callback = "http://localhost:3000/cb"
    pool_id, client_id = _setup(idp, callback)
    disco = requests.get(f"{server.url}/{pool_id}/.well-known/openid-configuration", timeout=10).json()
    assert disco["authorization_endpoint"] == f"{server.url}/oauth2/authorize"
    verifier, challenge = _pkce()
    browser = requests.Session()
    r = browser.get(
        disco["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": callback,
            "scope": "openid email",
            "state": "s-1",
            "nonce": "n-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.text
    page = browser.get(urllib.parse.urljoin(server.url, r.headers["location"]), timeout=10)
    assert page.status_code == 200
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    # A wrong password shows Cognito's message on the page.
    wrong = browser.post(
        urllib.parse.urljoin(server.url, action),
        data={"_csrf": csrf, "username": "bob", "password": "nope"},
        allow_redirects=False,
        timeout=10,
    )
    assert wrong.status_code == 200
    assert "Incorrect username or password." in wrong.text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', wrong.text).group(1)
    r = browser.post(
        urllib.parse.urljoin(server.url, action),
        data={"_csrf": csrf, "username": "bob", "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.text
    back = urllib.parse.urlparse(r.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == callback
    query = urllib.parse.parse_qs(back.query)
    assert query["state"] == ["s-1"]
    tokens = _redeem(disco, client_id, callback, query["code"][0], verifier)
    claims = _verified_id_claims(disco, client_id, tokens["id_token"])
    assert claims["cognito:username"] == "bob"
    assert claims["nonce"] == "n-1"
    assert claims["email"] == "bob@example.com"
    info = requests.get(
        disco["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert info.status_code == 200
    assert info.json()["email"] == "bob@example.com"
    # The code was spent.
    again = requests.post(
        disco["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": query["code"][0],
            "redirect_uri": callback,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


class _Callback(http.server.BaseHTTPRequestHandler):
    """The client's redirect URI: records the query it was called with."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).seen.append(self.path)
        body = b"<html><body><p id='done'>signed in</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _browser_tools() -> tuple[str | None, str | None]:
    return shutil.which("chromedriver"), shutil.which("chromium")


def test_login_page_in_headless_chromium(server, idp):
    driver_path, chromium = _browser_tools()
    if not driver_path or not chromium:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium and chromium-driver (.ci/run installs them)")
        pytest.skip("chromium / chromium-driver are not installed (apt-get install chromium chromium-driver)")
    # Selenium must not try to download a driver or browser.
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Callback)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{httpd.server_port}/cb"
    _Callback.seen = []
    pool_id, client_id = _setup(idp, callback)
    disco = requests.get(f"{server.url}/{pool_id}/.well-known/openid-configuration", timeout=10).json()
    verifier, challenge = _pkce()
    authorize = disco["authorization_endpoint"] + "?" + urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": callback,
            "scope": "openid email",
            "state": "chromium",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver_path), options=options)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(authorize)
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        assert driver.current_url.startswith(f"{server.url}/login?")
        driver.find_element(By.ID, "username").send_keys("bob")
        driver.find_element(By.ID, "password").send_keys("wrong-password")
        driver.find_element(By.NAME, "signInSubmitButton").click()
        wait.until(ec.presence_of_element_located((By.ID, "error")))
        assert driver.find_element(By.ID, "error").text == "Incorrect username or password."
        driver.find_element(By.ID, "username").clear()
        driver.find_element(By.ID, "username").send_keys("bob")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.NAME, "signInSubmitButton").click()
        wait.until(ec.presence_of_element_located((By.ID, "done")))
        assert driver.current_url.startswith(callback)
        # The session cookie is HttpOnly: the page's scripts can not read it.
        assert "cognito=" not in driver.execute_script("return document.cookie")
    finally:
        driver.quit()
        httpd.shutdown()
    calls = [p for p in _Callback.seen if p.startswith("/cb")]  # (the browser also asks for /favicon.ico)
    assert len(calls) == 1, _Callback.seen
    query = urllib.parse.parse_qs(urllib.parse.urlparse(calls[0]).query)
    assert query["state"] == ["chromium"]
    tokens = _redeem(disco, client_id, callback, query["code"][0], verifier)
    assert _verified_id_claims(disco, client_id, tokens["id_token"])["cognito:username"] == "bob"

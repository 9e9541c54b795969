//! The one integration-test binary: real servers, real SDK clients.

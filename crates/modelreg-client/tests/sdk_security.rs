//! Users, roles, API tokens, login throttling and HTTPS with a private CA,
//! through the async SDK against a real server.

use modelreg_client::{Client, ClientError, ClientOptions, CreateModelOptions, Role};
use modelreg_server::testing::TestServer;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The built-in admin (blank password, fine on loopback).
async fn admin(server: &TestServer) -> Client {
    Client::login(&server.url(), "admin", "")
        .await
        .expect("log in as admin")
}

async fn login(server: &TestServer, user: &str, password: &str) -> Client {
    Client::login(&server.url(), user, password)
        .await
        .unwrap_or_else(|e| panic!("log in as {user}: {e}"))
}

fn assert_forbidden<T: std::fmt::Debug>(result: modelreg_client::Result<T>, role: &str) {
    let err = result.expect_err("a 403");
    assert!(err.is_permission_denied(), "{err:?}");
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.api_error().unwrap().error.code, 7);
    let message = err.to_string();
    assert!(
        message.contains(role),
        "the message names the role: {message}"
    );
}

fn assert_unauthenticated<T: std::fmt::Debug>(result: modelreg_client::Result<T>) {
    let err = result.expect_err("a 401");
    assert!(err.is_unauthenticated(), "{err:?}");
}

#[tokio::test]
async fn a_viewer_reads_and_is_refused_every_write_with_a_clear_message() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    let viewer = admin
        .create_user("vera", "viewer pass", Role::Viewer)
        .await
        .unwrap();
    assert_eq!(
        (viewer.role, viewer.active, viewer.admin),
        (Role::Viewer, true, false)
    );
    let editor = admin
        .create_user("eddie", "editor pass", Role::Editor)
        .await
        .unwrap();
    assert_eq!(editor.role, Role::Editor);

    let eddie = login(&server, "eddie", "editor pass").await;
    eddie
        .create_model("shared", CreateModelOptions::default())
        .await
        .unwrap();

    let vera = login(&server, "vera", "viewer pass").await;
    assert_eq!(vera.me().await.unwrap().role, Role::Viewer);
    let model = vera.get_model("shared").await.unwrap();
    assert_eq!(vera.get_models(Default::default()).await.unwrap().len(), 1);
    assert_forbidden(
        vera.create_model("mine", CreateModelOptions::default())
            .await,
        "viewer",
    );
    let mut handle = vera.get_model("shared").await.unwrap();
    assert_forbidden(handle.set_description("changed").await, "viewer");
    assert_forbidden(model.delete().await, "viewer");
    assert_forbidden(
        vera.create_user("sneaky", "pw", Role::Admin).await,
        "viewer",
    );
    assert_forbidden(vera.set_user_role("vera", Role::Admin).await, "admin");
    assert_eq!(
        eddie.get_model("shared").await.unwrap().description,
        "",
        "nothing changed"
    );

    // Editors do not manage users either.
    assert_forbidden(
        eddie.create_user("sneaky", "pw", Role::Viewer).await,
        "editor",
    );
    assert_forbidden(eddie.set_user_active("vera", false).await, "administrator");

    // Duplicate names and unknown users.
    let err = admin
        .create_user("vera", "x", Role::Viewer)
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err:?}");
    let err = admin.get_user_by_name("nobody").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        admin
            .find_user(&viewer.id.to_string())
            .await
            .unwrap()
            .username,
        "vera",
        "an all-digit name that is no username is an id"
    );
}

#[tokio::test]
async fn only_the_owner_or_an_admin_deletes_a_model() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    for name in ["owner", "other"] {
        admin
            .create_user(name, "pw of an editor", Role::Editor)
            .await
            .unwrap();
    }
    let owner = login(&server, "owner", "pw of an editor").await;
    let other = login(&server, "other", "pw of an editor").await;
    owner
        .create_model("owned", CreateModelOptions::default())
        .await
        .unwrap();
    owner
        .create_model("for-the-admin", CreateModelOptions::default())
        .await
        .unwrap();

    let err = other
        .get_model("owned")
        .await
        .unwrap()
        .delete()
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    // An editor may still edit another's model.
    other
        .get_model("owned")
        .await
        .unwrap()
        .set_notes("reviewed")
        .await
        .unwrap();

    owner
        .get_model("owned")
        .await
        .unwrap()
        .delete()
        .await
        .unwrap();
    admin
        .get_model("for-the-admin")
        .await
        .unwrap()
        .delete()
        .await
        .unwrap();
    assert!(owner.get_model("owned").await.unwrap_err().is_not_found());
    assert!(owner
        .get_model("for-the-admin")
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn an_api_token_acts_as_its_user_until_revoked_or_expired() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    admin
        .create_user("bot-owner", "pw", Role::Editor)
        .await
        .unwrap();
    let user = login(&server, "bot-owner", "pw").await;

    let (secret, info) = user.create_token("nightly", None).await.unwrap();
    assert!(secret.starts_with("mrt_"), "{secret}");
    assert_eq!(
        (info.name.as_str(), info.username.as_str()),
        ("nightly", "bot-owner")
    );
    assert_eq!((info.expires_at, info.revoked), (None, false));

    let bot = Client::with_token(&server.url(), &secret).unwrap();
    assert_eq!(bot.me().await.unwrap().username, "bot-owner");
    bot.create_model("from-a-token", CreateModelOptions::default())
        .await
        .unwrap();
    assert_eq!(
        admin.get_model("from-a-token").await.unwrap().username,
        "bot-owner"
    );

    let listed = user.list_tokens().await.unwrap();
    assert_eq!(listed, vec![info.clone()]);
    let (_, other) = admin.create_token("admin's", None).await.unwrap();
    assert_eq!(
        user.list_tokens().await.unwrap().len(),
        1,
        "a user sees only their own tokens"
    );
    assert_eq!(
        admin.list_tokens().await.unwrap().len(),
        2,
        "an admin sees all"
    );
    let err = user.revoke_token(other.id).await.unwrap_err();
    assert!(err.is_not_found(), "another's token is not found: {err:?}");

    let revoked = user.revoke_token(info.id).await.unwrap();
    assert!(revoked.revoked);
    assert_unauthenticated(bot.me().await);
    assert_unauthenticated(
        bot.create_model("after-revoke", CreateModelOptions::default())
            .await,
    );
    assert!(user.list_tokens().await.unwrap()[0].revoked);

    let (short, short_info) = user
        .create_token("short", Some(Duration::from_secs(1)))
        .await
        .unwrap();
    let expires = short_info.expires_at.expect("an expiry");
    assert!(expires > short_info.created_at, "{short_info:?}");
    let short = Client::with_token(&server.url(), short).unwrap();
    short.me().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_unauthenticated(short.me().await);

    let err = user
        .create_token("no lifetime", Some(Duration::ZERO))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidInput(_)), "{err:?}");
}

#[tokio::test]
async fn deactivating_a_user_stops_their_sessions_and_tokens_at_once() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    admin
        .create_user("leaver", "pw", Role::Editor)
        .await
        .unwrap();
    let session = login(&server, "leaver", "pw").await;
    let (secret, _) = session.create_token("ci", None).await.unwrap();
    let token = Client::with_token(&server.url(), secret).unwrap();
    token.me().await.unwrap();

    let user = admin.set_user_active("leaver", false).await.unwrap();
    assert!(!user.active);
    assert_unauthenticated(session.me().await);
    assert_unauthenticated(token.me().await);
    assert_unauthenticated(Client::login(&server.url(), "leaver", "pw").await);

    let active: Vec<String> = admin
        .list_users(Some(true))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert!(!active.contains(&"leaver".to_string()), "{active:?}");
    let inactive = admin.list_users(Some(false)).await.unwrap();
    assert_eq!(inactive.len(), 1);
    assert_eq!(inactive[0].username, "leaver");

    admin.set_user_active("leaver", true).await.unwrap();
    login(&server, "leaver", "pw").await;
}

#[tokio::test]
async fn set_password_makes_the_new_one_work_and_the_old_one_fail() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    admin
        .create_user("pat", "old pw", Role::Viewer)
        .await
        .unwrap();
    admin
        .create_user("sam", "sam's pw", Role::Editor)
        .await
        .unwrap();

    admin.set_user_password("pat", "new pw").await.unwrap();
    login(&server, "pat", "new pw").await;
    assert_unauthenticated(Client::login(&server.url(), "pat", "old pw").await);

    // Anyone, even a viewer, sets their own password, but no one else's.
    let pat = login(&server, "pat", "new pw").await;
    pat.set_user_password("pat", "newest pw").await.unwrap();
    login(&server, "pat", "newest pw").await;
    let err = pat.set_user_password("sam", "hijacked").await.unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    login(&server, "sam", "sam's pw").await;
}

#[tokio::test]
async fn roles_change_for_live_sessions_and_users_list_page_by_page() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    for i in 0..5 {
        admin
            .create_user(&format!("user{i}"), "pw", Role::Viewer)
            .await
            .unwrap();
    }
    let user = login(&server, "user3", "pw").await;
    assert!(user
        .create_model("m", CreateModelOptions::default())
        .await
        .unwrap_err()
        .is_permission_denied());
    let promoted = admin.set_user_role("user3", Role::Editor).await.unwrap();
    assert_eq!((promoted.role, promoted.admin), (Role::Editor, false));
    user.create_model("m", CreateModelOptions::default())
        .await
        .expect("the same session may write now");
    let made_admin = admin.set_user_role("user3", Role::Admin).await.unwrap();
    assert!(made_admin.admin);

    // admin, determined, user0..user4, paged two at a time.
    let all = admin.with_page_size(2).list_users(None).await.unwrap();
    let names: Vec<&str> = all.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    for i in 0..5 {
        assert!(names.contains(&format!("user{i}").as_str()), "{names:?}");
    }
    let big_pages = admin.with_page_size(5000).list_users(None).await.unwrap();
    assert_eq!(
        big_pages, all,
        "a page size above the server's cap is lowered to it"
    );
    let mut ids: Vec<i32> = all.iter().map(|u| u.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no user twice");
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_retry_after() {
    let server = TestServer::start();
    let admin = admin(&server).await;
    admin
        .create_user("target", "right", Role::Viewer)
        .await
        .unwrap();
    let mut throttled = None;
    for _ in 0..10 {
        match Client::login(&server.url(), "target", "wrong").await {
            Err(err) if err.status() == Some(429) => {
                throttled = Some(err);
                break;
            }
            Err(err) => assert!(err.is_unauthenticated(), "{err:?}"),
            Ok(_) => panic!("a wrong password was accepted"),
        }
    }
    let err = throttled.expect("a 429 after repeated failures");
    let wait = err.retry_after().expect("a Retry-After");
    assert!(wait >= Duration::from_secs(1), "{wait:?}");
    assert_eq!(err.api_error().unwrap().error.code, 8);
    assert!(!err.to_string().contains("wrong"), "no password in {err}");
}

/// A private CA and a server certificate it signed for 127.0.0.1 and
/// localhost, written as PEM files into `dir`: (CA, certificate, key).
fn private_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "modelreg test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "modelreg test server");
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();

    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[tokio::test]
async fn https_with_a_private_ca_works_with_the_ca_file_and_fails_clearly_without() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = private_ca(dir.path());
    let server = TestServer::start_local_with(|c| {
        c.tls_cert = Some(cert.clone());
        c.tls_key = Some(key.clone());
    });
    let url = server.url().replacen("http://", "https://", 1);

    let options = ClientOptions::with_ca_file(&ca);
    let client = Client::login_with(&url, "determined", "", &options)
        .await
        .expect("log in over HTTPS trusting the CA");
    client
        .create_model("over-tls", CreateModelOptions::default())
        .await
        .unwrap();
    let (secret, _) = client.create_token("tls", None).await.unwrap();
    let with_token = Client::connect_with_token(&url, secret, &options).unwrap();
    assert_eq!(with_token.me().await.unwrap().username, "determined");
    assert!(!Client::connect(&url, &options)
        .unwrap()
        .info()
        .await
        .unwrap()
        .version
        .is_empty());

    let err = Client::login(&url, "determined", "").await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
    assert!(err.is_certificate_error(), "{err:?}");
    let chain = error_chain(&err);
    assert!(
        chain.contains("certificate") || chain.contains("UnknownIssuer"),
        "the error says the certificate is not trusted: {chain}"
    );

    // A CA file that is not one is refused before connecting.
    let err = Client::connect(&url, &ClientOptions::with_ca_file(&key)).unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[test]
fn the_blocking_client_manages_users_and_tokens_too() {
    use modelreg_client::blocking;
    let server = TestServer::start();
    let admin = blocking::Client::login(&server.url(), "admin", "").unwrap();
    admin.create_user("blocky", "pw", Role::Viewer).unwrap();
    assert_eq!(admin.get_user_by_name("blocky").unwrap().role, Role::Viewer);
    admin.set_user_role("blocky", Role::Editor).unwrap();
    admin.set_user_password("blocky", "pw2").unwrap();
    let user = blocking::Client::login(&server.url(), "blocky", "pw2").unwrap();
    let (secret, info) = user
        .create_token("ci", Some(Duration::from_secs(3600)))
        .unwrap();
    let bot =
        blocking::Client::connect_with_token(&server.url(), secret, &ClientOptions::default())
            .unwrap();
    assert_eq!(bot.me().unwrap().username, "blocky");
    assert_eq!(user.list_tokens().unwrap()[0].id, info.id);
    user.revoke_token(info.id).unwrap();
    assert!(bot.me().unwrap_err().is_unauthenticated());
    admin.set_user_active("blocky", false).unwrap();
    assert!(user.me().unwrap_err().is_unauthenticated());
    assert_eq!(admin.list_users(Some(false)).unwrap().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_no_certificate_error() {
    let err = Client::anonymous("http://127.0.0.1:1")
        .unwrap()
        .info()
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
    assert!(!err.is_certificate_error());
}

/// A plain-HTTP client trusts no certificate authority (it loads none, to
/// start fast), so a server that redirects to HTTPS is answered with the
/// URL to use instead of a certificate error.
#[tokio::test]
async fn a_redirect_from_http_to_https_names_the_url_to_use() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let redirector = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).unwrap();
        write!(
            stream,
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://127.0.0.1:{port}/registry/info?x=1\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
    });
    let err = Client::anonymous(&format!("http://127.0.0.1:{port}/registry"))
        .unwrap()
        .info()
        .await
        .unwrap_err();
    redirector.join().unwrap();
    let chain = error_chain(&err);
    assert!(
        chain.contains(&format!(
            "use https://127.0.0.1:{port}/registry as the server URL"
        )),
        "{chain}"
    );
    assert!(!err.is_certificate_error(), "{chain}");
}

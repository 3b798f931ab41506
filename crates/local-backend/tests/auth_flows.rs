//! The GoTrue subset: sign-up, password sign-in, refresh rotation and reuse, the user endpoint,
//! sign-out, expired tokens, and the simulated Discord provider (implicit and PKCE, through its
//! consent page).

mod support;

use std::time::Duration;

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;
use support::{DEMO_PASSWORD, TestBackend, TestOptions, send, simulated_discord_state_and_cookie};

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn token_request(backend: &TestBackend, grant: &str, body: Value) -> reqwest::RequestBuilder {
    backend
        .request(
            Method::POST,
            &format!("/auth/v1/token?grant_type={grant}"),
            None,
        )
        .header("content-type", "application/json;charset=UTF-8")
        .json(&body)
}

/// `md5('punctaj-demo-user-discord')::uuid`, the seed's Discord account.
const DISCORD_USER: &str = "fd42e2fd-d034-4117-b8e7-e6ea5b4c0653";

#[tokio::test]
async fn sign_up_returns_a_session_and_creates_the_account() {
    let backend = TestBackend::start().await;
    let (status, headers, body) = send(
        backend
            .request(Method::POST, "/auth/v1/signup", None)
            .json(&json!({"email": "New.User@Example.com", "password": "secret123", "data": {"display_name": "Nou"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    // GoTrue's field order.
    assert!(body.starts_with(r#"{"access_token":""#), "{body}");
    let keys: Vec<String> = parse(&body).as_object().unwrap().keys().cloned().collect();
    let position = |k: &str| body.find(&format!("\"{k}\":")).unwrap();
    assert!(
        position("access_token") < position("token_type")
            && position("token_type") < position("expires_in")
    );
    assert!(
        position("expires_at") < position("refresh_token")
            && position("refresh_token") < position("user")
    );
    assert_eq!(keys.len(), 6);
    let session = parse(&body);
    assert_eq!(session["token_type"], "bearer");
    assert_eq!(session["expires_in"], 3600);
    let user = &session["user"];
    assert_eq!(user["email"], "new.user@example.com");
    assert_eq!(user["aud"], "authenticated");
    assert_eq!(user["role"], "authenticated");
    assert_eq!(user["phone"], "");
    assert_eq!(user["is_anonymous"], false);
    assert_eq!(
        user["app_metadata"],
        json!({"provider": "email", "providers": ["email"]})
    );
    assert_eq!(user["user_metadata"]["display_name"], "Nou");
    assert_eq!(user["identities"][0]["provider"], "email");
    assert!(user["email_confirmed_at"].as_str().unwrap().ends_with('Z'));
    let c = claims(session["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], user["id"]);
    assert_eq!(
        (c["role"].as_str(), c["aud"].as_str()),
        (Some("authenticated"), Some("authenticated"))
    );
    assert_eq!(c["app_metadata"]["provider"], "email");
    assert_eq!(c["phone"], "");
    assert_eq!(c["is_anonymous"], false);
    assert!(c["session_id"].as_str().is_some());
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    // The profiles trigger ran; the new account is pending (no grants) and reads nothing.
    let profiles: i64 = backend
        .admin
        .query_one(
            "select count(*) from public.profiles where email = 'new.user@example.com'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(profiles, 1);
    let token = session["access_token"].as_str().unwrap();
    let (status, access) = backend.rpc(Some(token), "my_access", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{access}");
    assert_eq!(access["pending"], true);
    // Same email again, weak password, bad email.
    let (status, headers, body) = send(
        backend
            .request(Method::POST, "/auth/v1/signup", None)
            .json(&json!({"email": "new.user@example.com", "password": "secret123"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        r#"{"code":422,"error_code":"user_already_exists","msg":"User already registered"}"#
    );
    assert_eq!(headers["x-sb-error-code"], "user_already_exists");
    let (status, _, body) = send(
        backend
            .request(Method::POST, "/auth/v1/signup", None)
            .json(&json!({"email": "weak@example.com", "password": "12345"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        r#"{"code":422,"error_code":"weak_password","msg":"Password should be at least 6 characters.","weak_password":{"reasons":["length"]}}"#
    );
    let (status, _, body) = send(
        backend
            .request(Method::POST, "/auth/v1/signup", None)
            .json(&json!({"email": "not-an-email", "password": "secret123"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse(&body)["error_code"], "validation_failed");
    let users: i64 = backend
        .admin
        .query_one(
            "select count(*) from auth.users where email in ('weak@example.com', 'not-an-email')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(users, 0);
    backend.stop().await;
}

#[tokio::test]
async fn password_sign_in_right_and_wrong() {
    let backend = TestBackend::start().await;
    let (status, _, body) = send(token_request(
        &backend,
        "password",
        json!({"email": "leader@punctaj.test", "password": DEMO_PASSWORD, "gotrue_meta_security": {}}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = parse(&body);
    assert_eq!(session["user"]["email"], "leader@punctaj.test");
    assert!(session["user"]["last_sign_in_at"].as_str().is_some());
    for (email, password) in [
        ("leader@punctaj.test", "wrong-password"),
        ("nobody@punctaj.test", DEMO_PASSWORD),
        ("LEADER@punctaj.test", ""),
    ] {
        let (status, headers, body) = send(token_request(
            &backend,
            "password",
            json!({"email": email, "password": password}),
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{email}");
        assert_eq!(
            body,
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#
        );
        assert_eq!(headers["x-sb-error-code"], "invalid_credentials");
    }
    // The 2024-01-01 error format.
    let (status, _, body) = send(
        token_request(
            &backend,
            "password",
            json!({"email": "leader@punctaj.test", "password": "nope"}),
        )
        .header("x-supabase-api-version", "2024-01-01"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        r#"{"code":"invalid_credentials","message":"Invalid login credentials"}"#
    );
    let (status, _, body) = send(token_request(
        &backend,
        "password",
        json!({"password": "x"}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        r#"{"code":400,"error_code":"validation_failed","msg":"missing email or phone"}"#
    );
    let (status, _, body) = send(token_request(&backend, "magic", json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse(&body)["msg"], "unsupported_grant_type");
    backend.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_refuses_reuse() {
    let backend = TestBackend::start().await;
    let first = backend.sign_in("member@punctaj.test").await;
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": first.refresh_token}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = parse(&body);
    let second_refresh = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, first.refresh_token);
    assert_eq!(
        claims(second["access_token"].as_str().unwrap())["session_id"],
        claims(&first.access_token)["session_id"],
        "same session"
    );
    let revoked: bool = backend
        .admin
        .query_one(
            "select revoked from auth.refresh_tokens where token = $1",
            &[&first.refresh_token],
        )
        .await
        .unwrap()
        .get(0);
    assert!(revoked);
    let parent: String = backend
        .admin
        .query_one(
            "select parent from auth.refresh_tokens where token = $1",
            &[&second_refresh],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(parent, first.refresh_token);
    // Reusing the rotated token fails and revokes the whole family, the new token included.
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": first.refresh_token}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        r#"{"code":400,"error_code":"refresh_token_already_used","msg":"Invalid Refresh Token: Already Used"}"#
    );
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": second_refresh}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse(&body)["error_code"], "refresh_token_already_used");
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": "no-such-token"}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        r#"{"code":400,"error_code":"refresh_token_not_found","msg":"Invalid Refresh Token: Refresh Token Not Found"}"#
    );
    backend.stop().await;
}

#[tokio::test]
async fn user_endpoint_and_update() {
    let backend = TestBackend::start().await;
    let session = backend.sign_in("viewer@punctaj.test").await;
    let (status, headers, body) =
        send(backend.request(Method::GET, "/auth/v1/user", Some(&session.access_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    assert!(body.starts_with(&format!(r#"{{"id":"{}","aud":"authenticated","role":"authenticated","email":"viewer@punctaj.test""#, session.user_id)), "{body}");
    let user = parse(&body);
    assert_eq!(
        user["identities"][0]["identity_data"]["email"],
        "viewer@punctaj.test"
    );
    assert!(body.find("\"app_metadata\"").unwrap() < body.find("\"user_metadata\"").unwrap());
    assert!(body.find("\"identities\"").unwrap() < body.find("\"created_at\"").unwrap());
    // PUT /user merges `data` into user_metadata.
    let (status, _, body) = send(
        backend
            .request(Method::PUT, "/auth/v1/user", Some(&session.access_token))
            .json(&json!({"data": {"theme": "dark", "display_name": null}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user = parse(&body);
    assert_eq!(user["user_metadata"]["theme"], "dark");
    assert!(user["user_metadata"].get("display_name").is_none());
    // Without a user token.
    let (status, _, body) = send(
        backend
            .http
            .get(backend.url("/auth/v1/user"))
            .header("apikey", &backend.anon_key),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        r#"{"code":401,"error_code":"no_authorization","msg":"This endpoint requires a valid Bearer token"}"#
    );
    let (status, _, body) = send(backend.request(Method::GET, "/auth/v1/user", None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        r#"{"code":403,"error_code":"bad_jwt","msg":"invalid claim: missing sub claim"}"#
    );
    let (status, _, body) =
        send(backend.request(Method::GET, "/auth/v1/user", Some("garbage"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(parse(&body)["error_code"], "bad_jwt");
    backend.stop().await;
}

#[tokio::test]
async fn logout_revokes_sessions() {
    let backend = TestBackend::start().await;
    let a = backend.sign_in("admin@punctaj.test").await;
    let b = backend.sign_in("admin@punctaj.test").await;
    // local: only this session.
    let (status, _, body) = send(backend.request(
        Method::POST,
        "/auth/v1/logout?scope=local",
        Some(&a.access_token),
    ))
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": a.refresh_token}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse(&body)["error_code"], "refresh_token_not_found");
    let (status, _, body) =
        send(backend.request(Method::GET, "/auth/v1/user", Some(&a.access_token))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        r#"{"code":403,"error_code":"session_not_found","msg":"Session from session_id claim in JWT does not exist"}"#
    );
    let (status, _, _) =
        send(backend.request(Method::GET, "/auth/v1/user", Some(&b.access_token))).await;
    assert_eq!(status, StatusCode::OK);
    // global (the client's default, with an empty body as supabase-js sends it).
    let (status, _, _) = send(
        backend
            .request(
                Method::POST,
                "/auth/v1/logout?scope=global",
                Some(&b.access_token),
            )
            .header("content-type", "application/json;charset=UTF-8")
            .header("content-length", "0"),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": b.refresh_token}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse(&body)["error_code"], "refresh_token_not_found");
    let sessions: i64 = backend
        .admin
        .query_one(
            "select count(*) from auth.sessions where user_id = $1::text::uuid",
            &[&a.user_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(sessions, 0);
    let (status, _, body) = send(backend.request(
        Method::POST,
        "/auth/v1/logout?scope=everything",
        Some(&b.access_token),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "session already gone: {body}"
    );
    backend.stop().await;
}

#[tokio::test]
async fn expired_tokens_are_refused_everywhere() {
    let backend = TestBackend::start_with(TestOptions {
        jwt_expiry_secs: Some(1),
        ..TestOptions::default()
    })
    .await;
    let session = backend.sign_in("member@punctaj.test").await;
    let c = claims(&session.access_token);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 1);
    // Past expiry plus the 2 s leeway; bounded wait.
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let (status, headers, body) = backend
        .get(Some(&session.access_token), "/rest/v1/cities?select=id")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"code": "PGRST303", "details": null, "hint": null, "message": "JWT expired"})
    );
    assert_eq!(
        headers["www-authenticate"],
        "Bearer error=\"invalid_token\", error_description=\"JWT expired\""
    );
    let (status, _, body) =
        send(backend.request(Method::GET, "/auth/v1/user", Some(&session.access_token))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        r#"{"code":403,"error_code":"bad_jwt","msg":"invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"}"#
    );
    // The refresh token still works and yields a fresh access token.
    let (status, _, body) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": session.refresh_token}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = parse(&body)["access_token"].as_str().unwrap().to_string();
    let (status, _, _) = backend.get(Some(&fresh), "/rest/v1/cities?select=id").await;
    assert_eq!(status, StatusCode::OK);
    backend.stop().await;
}

fn fragment_params(location: &str) -> Vec<(String, String)> {
    let fragment = location.split_once('#').unwrap().1;
    url::form_urlencoded::parse(fragment.as_bytes())
        .into_owned()
        .collect()
}

/// The simulated Discord sign-in as a browser does it: the consent page, then the click on its
/// button (the form's one-time `state`, with the cookie the page set).
async fn discord_sign_in(
    backend: &TestBackend,
    path_and_query: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let (status, headers, page) = send(backend.request(Method::GET, path_and_query, None)).await;
    if status != StatusCode::OK {
        return (status, headers, page);
    }
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let (state, cookie) = simulated_discord_state_and_cookie(&page, &headers);
    send(
        backend
            .http
            .post(backend.url("/auth/v1/authorize"))
            .header("cookie", cookie)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("state={state}")),
    )
    .await
}

#[tokio::test]
async fn simulated_discord_implicit_flow() {
    let backend = TestBackend::start().await;
    let redirect: String =
        url::form_urlencoded::byte_serialize(format!("{}/app/", backend.base_url).as_bytes())
            .collect();
    let (status, headers, body) = discord_sign_in(
        &backend,
        &format!("/auth/v1/authorize?provider=discord&redirect_to={redirect}"),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    let location = headers["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{}/app/#access_token=", backend.base_url)),
        "{location}"
    );
    let params = fragment_params(location);
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "access_token",
            "expires_at",
            "expires_in",
            "provider_token",
            "refresh_token",
            "token_type"
        ]
    );
    let get = |k: &str| params.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(get("token_type"), "bearer");
    assert_eq!(get("expires_in"), "3600");
    let c = claims(&get("access_token"));
    assert_eq!(c["sub"], DISCORD_USER);
    assert_eq!(c["app_metadata"]["provider"], "discord");
    assert_eq!(c["app_metadata"]["discord_id"], "900000000000000001");
    assert_eq!(c["amr"][0]["method"], "oauth");
    // The session works: the refresh token rotates.
    let (status, _, _) = send(token_request(
        &backend,
        "refresh_token",
        json!({"refresh_token": get("refresh_token")}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    // A redirect elsewhere falls back to the site URL; unknown providers are refused.
    let (status, headers, _) = discord_sign_in(
        &backend,
        "/auth/v1/authorize?provider=discord&redirect_to=https%3A%2F%2Fevil.example%2F",
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{}/app/#access_token=", backend.base_url)),
        "{location}"
    );
    let (status, _, body) =
        send(backend.request(Method::GET, "/auth/v1/authorize?provider=github", None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parse(&body)["msg"],
        "Unsupported provider: provider github could not be found"
    );
    backend.stop().await;
}

#[tokio::test]
async fn simulated_discord_pkce_flow() {
    let backend = TestBackend::start().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-a-long-enough-verifier";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect: String =
        url::form_urlencoded::byte_serialize(format!("{}/cb", backend.base_url).as_bytes())
            .collect();
    let (status, headers, body) = discord_sign_in(
        &backend,
        &format!("/auth/v1/authorize?provider=discord&redirect_to={redirect}&code_challenge={challenge}&code_challenge_method=s256"),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    let location = headers["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/cb?code=", backend.base_url)),
        "{location}"
    );
    let code = location.split("code=").nth(1).unwrap().to_string();
    uuid::Uuid::parse_str(&code).expect("the code is a uuid");
    let (status, _, body) = send(token_request(
        &backend,
        "pkce",
        json!({"auth_code": code, "code_verifier": "wrong"}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        r#"{"code":400,"error_code":"bad_code_verifier","msg":"code challenge does not match previously saved code verifier"}"#
    );
    let (status, _, body) = send(token_request(
        &backend,
        "pkce",
        json!({"auth_code": code, "code_verifier": verifier}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = parse(&body);
    assert_eq!(session["user"]["id"], DISCORD_USER);
    assert!(
        session["provider_token"]
            .as_str()
            .unwrap()
            .starts_with("simulated-discord-")
    );
    // A code is good once.
    let (status, _, body) = send(token_request(
        &backend,
        "pkce",
        json!({"auth_code": code, "code_verifier": verifier}),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(parse(&body)["error_code"], "flow_state_not_found");
    let (status, _, body) = send(token_request(
        &backend,
        "pkce",
        json!({"auth_code": "", "code_verifier": verifier}),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse(&body)["error_code"], "validation_failed");
    let (status, _, _) = send(backend.request(
        Method::GET,
        &format!("/auth/v1/authorize?provider=discord&code_challenge={challenge}"),
        None,
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a challenge needs its method"
    );
    backend.stop().await;
}

#[tokio::test]
async fn simulated_discord_creates_the_demo_account_when_missing() {
    let backend = TestBackend::start().await;
    backend
        .admin
        .batch_execute("delete from auth.users where email = 'discord-demo@punctaj.test'")
        .await
        .unwrap();
    let (status, headers, _) =
        discord_sign_in(&backend, "/auth/v1/authorize?provider=discord").await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers["location"].to_str().unwrap();
    let params = fragment_params(location);
    let token = &params.iter().find(|(k, _)| k == "access_token").unwrap().1;
    let sub = claims(token)["sub"].as_str().unwrap().to_string();
    assert_ne!(sub, DISCORD_USER, "a new account");
    let row = backend
        .admin
        .query_one(
            "select i.provider, i.provider_id, p.discord_id from auth.identities i \
             join public.profiles p on p.id = i.user_id where i.user_id = $1::text::uuid",
            &[&sub],
        )
        .await
        .unwrap();
    let (provider, provider_id, discord_id): (String, String, Option<String>) =
        (row.get(0), row.get(1), row.get(2));
    assert_eq!(
        (provider.as_str(), provider_id.as_str()),
        ("discord", "900000000000000001")
    );
    assert_eq!(discord_id.as_deref(), Some("900000000000000001"));
    backend.stop().await;
}

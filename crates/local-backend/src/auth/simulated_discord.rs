//! SIMULATED "Login with Discord" — exists only in this local backend.
//!
//! There is no Discord here (and no network to reach it). `GET /auth/v1/authorize?provider=discord`
//! answers with a page standing in for Discord's consent screen: it names the configured demo
//! Discord account (`PUNCTAJ_DEMO_DISCORD_ID`, `_USERNAME`, `_EMAIL`) and has one button. Nothing
//! happens until the user clicks it: the click posts the page's form (`POST /auth/v1/authorize`,
//! `state=…`) and only then is the demo account signed in, created with a `discord` identity if
//! the seed has not. The response then redirects as GoTrue does after a real provider callback
//! (`internal/api/external.go`): to `redirect_to` with the session in the URL fragment (implicit
//! flow), or with `?code=` when a `code_challenge` was given (PKCE).
//!
//! - `state` is one-time and short-lived (10 minutes), and holds the request it was made for
//!   (redirect, PKCE challenge) on the server; the form carries nothing else. The page also sets it
//!   in an `HttpOnly`, `SameSite=Strict` cookie, and the form must present both.
//! - The page refuses to be framed, and is served only to a top-level navigation (when the browser
//!   says so, `Sec-Fetch-Mode: navigate`), so another page can neither read its `state` with
//!   `fetch` nor click it in an invisible frame; the form is accepted only from the page itself
//!   (`Sec-Fetch-Site: same-origin` when the browser sends it).
//! - `redirect_to` is honoured only on the origin of `PUNCTAJ_SITE_URL` (the app); anything else,
//!   including other ports of this machine, falls back to the site URL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::auth::endpoint::{AuthResult, begin, finish};
use crate::auth::errors::AuthError;
use crate::auth::pkce::{self, ChallengeMethod};
use crate::auth::tokens::{self, AuthMethod};
use crate::auth::users::{self, NewUser};
use crate::config::DemoDiscordUser;
use crate::http_util::header_str;
use crate::state::AppState;

/// The cookie holding the `state` of the consent page shown to this browser.
pub const STATE_COOKIE: &str = "punctaj_simulated_discord_state";
/// How long a consent page stays usable.
const STATE_TTL: Duration = Duration::from_secs(600);
/// At most this many pages wait at once (the oldest is dropped beyond).
const MAX_PENDING: usize = 1000;

/// A sign-in shown to the user and not yet confirmed.
struct PendingSignIn {
    redirect: String,
    pkce: Option<(String, ChallengeMethod)>,
    expires: Instant,
}

/// The consent pages waiting for their click, by one-time `state`.
#[derive(Clone, Default)]
pub struct PendingSignIns(Arc<Mutex<HashMap<String, PendingSignIn>>>);

impl PendingSignIns {
    fn insert(&self, redirect: String, pkce: Option<(String, ChallengeMethod)>) -> String {
        let state = random_string(43);
        let now = Instant::now();
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pending.retain(|_, p| p.expires > now);
        if pending.len() >= MAX_PENDING
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, p)| p.expires)
                .map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(
            state.clone(),
            PendingSignIn {
                redirect,
                pkce,
                expires: now + STATE_TTL,
            },
        );
        state
    }

    /// The sign-in of `state`, once: it is forgotten whether or not it is still valid.
    fn take(&self, state: &str) -> Option<PendingSignIn> {
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pending.remove(state).filter(|p| p.expires > Instant::now())
    }
}

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    provider: Option<String>,
    redirect_to: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// `GET /authorize?provider=discord&redirect_to=…[&code_challenge=…&code_challenge_method=s256]`:
/// the consent page.
pub async fn authorize(
    State(state): State<AppState>,
    Query(query): Query<AuthorizeQuery>,
    headers: HeaderMap,
) -> Response<Body> {
    let result = (|| {
        let provider = query.provider.unwrap_or_default();
        if provider != "discord" {
            return Err(AuthError::validation(format!(
                "Unsupported provider: provider {provider} could not be found"
            )));
        }
        let challenge = query.code_challenge.filter(|c| !c.is_empty());
        let pkce = match (
            &challenge,
            query
                .code_challenge_method
                .as_deref()
                .filter(|m| !m.is_empty()),
        ) {
            (None, None) => None,
            (Some(c), Some(m)) => Some((
                c.clone(),
                ChallengeMethod::parse(m)
                    .ok_or_else(|| AuthError::validation("Code challenge method not supported"))?,
            )),
            _ => {
                return Err(AuthError::validation(
                    "PKCE flow requires code_challenge_method and code_challenge",
                ));
            }
        };
        if header_str(&headers, "sec-fetch-mode").is_some_and(|mode| mode != "navigate") {
            return Err(AuthError::new(
                StatusCode::FORBIDDEN,
                "bad_oauth_callback",
                "The simulated Discord sign-in opens only as a page of its own",
            ));
        }
        let redirect = allowed_redirect(&state.config.site_url, query.redirect_to.as_deref());
        let one_time = state.simulated_discord.insert(redirect.clone(), pkce);
        Ok(consent_page(
            &state.config.demo_discord,
            &redirect,
            &one_time,
        ))
    })();
    finish(result, &headers)
}

/// `POST /authorize` (form `state=…`): the user clicked the consent page's button.
pub async fn consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let result = async {
        if header_str(&headers, "sec-fetch-site").is_some_and(|site| site != "same-origin") {
            return Err(AuthError::new(
                StatusCode::FORBIDDEN,
                "bad_oauth_state",
                "The simulated Discord sign-in is confirmed only from its own page",
            ));
        }
        let form_state = form_urlencoded::parse(&body)
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let cookie_state = cookie(&headers, STATE_COOKIE).unwrap_or_default();
        let pending = (!form_state.is_empty() && form_state == cookie_state)
            .then(|| state.simulated_discord.take(&form_state))
            .flatten()
            .ok_or_else(|| {
                AuthError::bad_request(
                    "bad_oauth_state",
                    "This simulated Discord sign-in has expired or was already used: \
                     go back to the app and choose Login with Discord again",
                )
            })?;
        sign_in(&state, pending).await
    }
    .await;
    finish(result, &headers)
}

/// Signs the demo Discord account in and redirects to the app with its session or PKCE code.
async fn sign_in(state: &AppState, pending: PendingSignIn) -> AuthResult {
    let provider_token = simulated_provider_token();
    let mut client = state.pool.get().await.map_err(AuthError::pool)?;
    let tx = begin(&mut client).await?;
    let user_id = ensure_demo_user(&tx, &state.config.demo_discord).await?;
    users::record_sign_in(&tx, user_id, "discord")
        .await
        .map_err(AuthError::db)?;
    let location = match pending.pkce {
        Some((challenge, method)) => {
            let code = pkce::create_flow_state(
                &tx,
                user_id,
                &challenge,
                method,
                "discord",
                &provider_token,
            )
            .await?;
            with_code(&pending.redirect, &code)
        }
        None => {
            let session = tokens::issue_session(
                &tx,
                &state.config,
                user_id,
                AuthMethod::OAuth,
                Some(provider_token),
            )
            .await?;
            with_fragment(&pending.redirect, &session)
        }
    };
    tx.commit().await.map_err(AuthError::db)?;
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{STATE_COOKIE}=; Path=/auth/v1/authorize; HttpOnly; SameSite=Strict; Max-Age=0"
    )) {
        headers.insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// The stand-in for Discord's consent screen: who would be signed in, for which site, one button.
fn consent_page(demo: &DemoDiscordUser, redirect: &str, one_time: &str) -> Response<Body> {
    let site = url::Url::parse(redirect)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| redirect.to_string());
    let username = html_escape(&demo.username);
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SIMULATED Discord sign-in — Punctaj local backend</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #313338; color: #f2f3f5; display: grid; place-items: center; min-height: 100vh; margin: 0; }}
main {{ background: #2b2d31; border-radius: 8px; padding: 2rem; max-width: 28rem; }}
.badge {{ background: #f0b232; color: #1e1f22; font-weight: 700; padding: .25rem .5rem; border-radius: 4px; display: inline-block; }}
button {{ background: #5865f2; color: #fff; border: 0; border-radius: 4px; padding: .75rem 1.25rem; font-size: 1rem; cursor: pointer; width: 100%; }}
a {{ color: #00a8fc; }}
</style>
</head>
<body>
<main>
<p class="badge">SIMULATED — local backend only, no Discord involved</p>
<h1>Sign in with Discord?</h1>
<p><strong>{site}</strong> asks to sign you in as the demo Discord account <strong>{username}</strong>
(Discord id {id}, {email}).</p>
<form method="post" action="authorize">
<input type="hidden" name="state" value="{state}">
<button type="submit" id="simulated-discord-authorize" data-testid="simulated-discord-authorize">Authorize as {username}</button>
</form>
<p><a href="{redirect}">Cancel</a></p>
</main>
</body>
</html>
"#,
        site = html_escape(&site),
        id = html_escape(&demo.id),
        email = html_escape(&demo.email),
        state = html_escape(one_time),
        redirect = html_escape(redirect),
    );
    let mut response = Response::new(Body::from(page));
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, "text/html; charset=utf-8");
    set(header::CACHE_CONTROL, "no-store");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::SET_COOKIE,
        &format!(
            "{STATE_COOKIE}={one_time}; Path=/auth/v1/authorize; HttpOnly; SameSite=Strict; Max-Age={}",
            STATE_TTL.as_secs()
        ),
    );
    response
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn random_string(length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn simulated_provider_token() -> String {
    format!("simulated-discord-{}", random_string(30))
}

/// `redirect_to` when it is on the site URL's origin (scheme, host and port), else the site URL.
pub fn allowed_redirect(site_url: &str, redirect_to: Option<&str>) -> String {
    let Some(candidate) = redirect_to.filter(|r| !r.is_empty()) else {
        return site_url.to_string();
    };
    let (Ok(url), Ok(site)) = (url::Url::parse(candidate), url::Url::parse(site_url)) else {
        return site_url.to_string();
    };
    let same_origin = matches!(url.scheme(), "http" | "https")
        && url.origin() == site.origin()
        && url.username().is_empty()
        && url.password().is_none();
    if same_origin {
        candidate.to_string()
    } else {
        site_url.to_string()
    }
}

/// The implicit-flow redirect: the session in the fragment, keys sorted as Go's `url.Values`.
fn with_fragment(redirect: &str, session: &tokens::Session) -> String {
    let base = redirect.split('#').next().unwrap_or(redirect);
    let mut pairs = vec![
        ("access_token", session.access_token.clone()),
        ("expires_at", session.expires_at.to_string()),
        ("expires_in", session.expires_in.to_string()),
        (
            "provider_token",
            session.provider_token.clone().unwrap_or_default(),
        ),
        ("refresh_token", session.refresh_token.clone()),
        ("token_type", "bearer".to_string()),
    ];
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}#{encoded}")
}

/// The PKCE redirect: `code` added to the query (GoTrue's `prepPKCERedirectURL`).
fn with_code(redirect: &str, code: &str) -> String {
    match url::Url::parse(redirect) {
        Ok(mut url) => {
            let mut pairs: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "code")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            pairs.push(("code".into(), code.into()));
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            url.query_pairs_mut().clear().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => format!("{redirect}?code={code}"),
    }
}

/// The demo Discord account: found by its Discord identity, linked to an existing account with
/// its email, or created (shaped like the seed's and like what Supabase Auth stores).
async fn ensure_demo_user(tx: &Transaction<'_>, demo: &DemoDiscordUser) -> Result<Uuid, AuthError> {
    if let Some(row) = tx
        .query_opt(
            "select user_id from auth.identities where provider = 'discord' and provider_id = $1",
            &[&demo.id],
        )
        .await
        .map_err(AuthError::db)?
    {
        return Ok(row.get(0));
    }
    let identity_data = json!({
        "iss": "https://discord.com/api",
        "sub": demo.id,
        "provider_id": demo.id,
        "name": demo.username,
        "full_name": demo.username,
        "custom_claims": {"global_name": demo.username},
        "email": demo.email,
        "email_verified": true,
        "phone_verified": false,
    });
    if let Some((existing, _)) = users::find_by_email(tx, &demo.email)
        .await
        .map_err(AuthError::db)?
    {
        let identity = identity_data.to_string();
        tx.execute(
            "insert into auth.identities (id, provider_id, user_id, identity_data, provider, created_at, updated_at) \
             values (gen_random_uuid(), $1, $2, $3::text::jsonb, 'discord', now(), now())",
            &[&demo.id, &existing, &identity],
        )
        .await
        .map_err(AuthError::db)?;
        tx.execute(
            "update auth.users set raw_app_meta_data = coalesce(raw_app_meta_data, '{}'::jsonb) \
               || jsonb_build_object('providers', (select jsonb_agg(distinct p) from ( \
                    select jsonb_array_elements_text(coalesce(raw_app_meta_data -> 'providers', '[]'::jsonb)) p \
                    union select 'discord') ps), 'discord_id', $2::text), updated_at = now() \
             where id = $1",
            &[&existing, &demo.id],
        )
        .await
        .map_err(AuthError::db)?;
        return Ok(existing);
    }
    let id = Uuid::new_v4();
    users::create(
        tx,
        NewUser {
            id,
            email: &demo.email,
            password: None,
            app_metadata: json!({"provider": "discord", "providers": ["discord"], "discord_id": demo.id}),
            user_metadata: identity_data.clone(),
            provider: "discord",
            provider_id: demo.id.clone(),
            identity_data,
        },
    )
    .await
    .map_err(AuthError::db)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_restricted_to_the_site_origin() {
        let site = "http://127.0.0.1:8080/";
        assert_eq!(allowed_redirect(site, None), site);
        assert_eq!(allowed_redirect(site, Some("")), site);
        assert_eq!(
            allowed_redirect(site, Some("http://127.0.0.1:8080/other/#/login")),
            "http://127.0.0.1:8080/other/#/login"
        );
        for refused in [
            "http://localhost:8080/",
            "http://127.0.0.1:3000/cb",
            "https://127.0.0.1:8080/",
            "http://[::1]:8080/",
            "http://user@127.0.0.1:8080/",
            "https://evil.example/steal",
            "javascript:alert(1)",
            "//evil.example/",
            "not a url",
        ] {
            assert_eq!(allowed_redirect(site, Some(refused)), site, "{refused}");
        }
        let site = "https://app.example.org/punctaj/";
        assert_eq!(
            allowed_redirect(site, Some("https://app.example.org/punctaj/#/login")),
            "https://app.example.org/punctaj/#/login"
        );
        assert_eq!(
            allowed_redirect(site, Some("https://app.example.org:443/punctaj/")),
            "https://app.example.org:443/punctaj/"
        );
        assert_eq!(
            allowed_redirect(site, Some("https://app.example.org.evil.com/punctaj/")),
            site
        );
        assert_eq!(
            allowed_redirect(site, Some("http://app.example.org/punctaj/")),
            site
        );
    }

    #[test]
    fn states_are_one_time_and_expire() {
        let pending = PendingSignIns::default();
        let state = pending.insert("http://127.0.0.1:8080/".into(), None);
        assert_eq!(state.len(), 43);
        assert!(pending.take("another").is_none());
        assert_eq!(
            pending.take(&state).map(|p| p.redirect).as_deref(),
            Some("http://127.0.0.1:8080/")
        );
        assert!(pending.take(&state).is_none(), "used once");
        let state = pending.insert("http://127.0.0.1:8080/".into(), None);
        pending.0.lock().unwrap().get_mut(&state).unwrap().expires =
            Instant::now() - Duration::from_secs(1);
        assert!(pending.take(&state).is_none(), "expired");
    }

    #[test]
    fn the_page_escapes_what_it_shows() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; punctaj_simulated_discord_state=abc"),
        );
        assert_eq!(cookie(&headers, STATE_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn pkce_redirect_keeps_the_query() {
        assert_eq!(
            with_code("http://127.0.0.1:8080/cb?x=1", "abc"),
            "http://127.0.0.1:8080/cb?code=abc&x=1"
        );
    }
}

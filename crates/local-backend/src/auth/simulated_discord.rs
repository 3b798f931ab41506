//! SIMULATED "Login with Discord" — exists only in this local backend.
//!
//! There is no Discord here (and no network to reach it). `GET /auth/v1/authorize?provider=discord`
//! skips the provider's consent page and signs in at once as the configured demo Discord account
//! (`PUNCTAJ_DEMO_DISCORD_ID`, `_USERNAME`, `_EMAIL`), creating it with a `discord` identity if the
//! seed has not. It then redirects as GoTrue does after a real provider callback
//! (`internal/api/external.go`): to `redirect_to` with the session in the URL fragment (implicit
//! flow), or with `?code=` when a `code_challenge` was given (PKCE). `redirect_to` is honoured
//! only under `PUNCTAJ_SITE_URL` or on 127.0.0.1/localhost; otherwise the site URL is used.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::auth::endpoint::{begin, finish};
use crate::auth::errors::AuthError;
use crate::auth::pkce::{self, ChallengeMethod};
use crate::auth::tokens::{self, AuthMethod};
use crate::auth::users::{self, NewUser};
use crate::config::DemoDiscordUser;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    provider: Option<String>,
    redirect_to: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// `GET /authorize?provider=discord&redirect_to=…[&code_challenge=…&code_challenge_method=s256]`
pub async fn authorize(
    State(state): State<AppState>,
    Query(query): Query<AuthorizeQuery>,
    headers: HeaderMap,
) -> Response<Body> {
    let result = async {
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
        let redirect = allowed_redirect(&state.config.site_url, query.redirect_to.as_deref());
        let provider_token = simulated_provider_token();
        let mut client = state.pool.get().await.map_err(AuthError::pool)?;
        let tx = begin(&mut client).await?;
        let user_id = ensure_demo_user(&tx, &state.config.demo_discord).await?;
        users::record_sign_in(&tx, user_id, "discord")
            .await
            .map_err(AuthError::db)?;
        let location = match pkce {
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
                with_code(&redirect, &code)
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
                with_fragment(&redirect, &session)
            }
        };
        tx.commit().await.map_err(AuthError::db)?;
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Ok(response)
    }
    .await;
    finish(result, &headers)
}

fn simulated_provider_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let random: String = (0..30)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("simulated-discord-{random}")
}

/// `redirect_to` when it is under the site URL or on this machine, else the site URL.
pub fn allowed_redirect(site_url: &str, redirect_to: Option<&str>) -> String {
    let Some(candidate) = redirect_to.filter(|r| !r.is_empty()) else {
        return site_url.to_string();
    };
    let Ok(url) = url::Url::parse(candidate) else {
        return site_url.to_string();
    };
    let local = matches!(url.scheme(), "http" | "https")
        && matches!(
            url.host_str(),
            Some("127.0.0.1") | Some("localhost") | Some("[::1]")
        );
    let under_site = url::Url::parse(site_url).is_ok_and(|site| {
        site.scheme() == url.scheme()
            && site.host_str() == url.host_str()
            && site.port_or_known_default() == url.port_or_known_default()
            && url.path().starts_with(site.path().trim_end_matches('/'))
    });
    if local || under_site {
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
    fn redirects_are_restricted() {
        let site = "http://127.0.0.1:8080/";
        assert_eq!(allowed_redirect(site, None), site);
        assert_eq!(
            allowed_redirect(site, Some("http://localhost:3000/cb")),
            "http://localhost:3000/cb"
        );
        assert_eq!(
            allowed_redirect(site, Some("https://evil.example/steal")),
            site
        );
        assert_eq!(allowed_redirect(site, Some("javascript:alert(1)")), site);
        let site = "https://app.example.org/punctaj/";
        assert_eq!(
            allowed_redirect(site, Some("https://app.example.org/punctaj/#/login")),
            "https://app.example.org/punctaj/#/login"
        );
        assert_eq!(
            allowed_redirect(site, Some("https://app.example.org.evil.com/punctaj/")),
            site
        );
        assert_eq!(
            allowed_redirect(site, Some("https://app.example.org/other")),
            site
        );
    }

    #[test]
    fn pkce_redirect_keeps_the_query() {
        assert_eq!(
            with_code("http://127.0.0.1:8080/cb?x=1", "abc"),
            "http://127.0.0.1:8080/cb?code=abc&x=1"
        );
    }
}

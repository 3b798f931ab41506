//! `auth.users` and `auth.identities`: reading a user as GoTrue serialises it
//! (`internal/models/user.go`, `identity.go`: struct field order, `omitempty` fields left out
//! when empty, times as Go's RFC 3339 with nanoseconds trimmed) and creating users.
//! Every function runs in a transaction already switched to `supabase_auth_admin`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::http_util::{ordered_object, to_json};

/// Go's `time.Time` JSON: RFC 3339, UTC as `Z`, fractional seconds without trailing zeros.
pub fn go_time(t: &DateTime<Utc>) -> String {
    let fraction = format!("{:09}", t.timestamp_subsec_nanos());
    let fraction = fraction.trim_end_matches('0');
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    if fraction.is_empty() {
        format!("{base}Z")
    } else {
        format!("{base}.{fraction}Z")
    }
}

fn time_or_zero(t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => to_json(&go_time(&t)),
        None => to_json(&"0001-01-01T00:00:00Z"),
    }
}

/// What tokens need to know about a user, plus the user as GoTrue's JSON.
#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub role: String,
    pub email: String,
    pub phone: String,
    pub app_metadata: Value,
    pub user_metadata: Value,
    pub is_anonymous: bool,
    pub json: String,
}

const USER_SQL: &str = "select u.id, coalesce(u.aud, ''), coalesce(u.role, ''), coalesce(u.email, ''), \
     u.email_confirmed_at, coalesce(u.phone, ''), u.phone_confirmed_at, u.confirmed_at, u.last_sign_in_at, \
     coalesce(u.raw_app_meta_data, '{}')::text, coalesce(u.raw_user_meta_data, '{}')::text, \
     u.created_at, u.updated_at, u.is_anonymous, u.banned_until, u.invited_at \
     from auth.users u where u.id = $1 and u.deleted_at is null";

const IDENTITIES_SQL: &str = "select i.id, i.provider_id, i.user_id, i.identity_data::text, i.provider, \
     i.last_sign_in_at, i.created_at, i.updated_at, i.email \
     from auth.identities i where i.user_id = $1 order by i.created_at nulls first, i.id";

pub async fn load(tx: &Transaction<'_>, id: Uuid) -> Result<Option<User>, tokio_postgres::Error> {
    let Some(row) = tx.query_opt(USER_SQL, &[&id]).await? else {
        return Ok(None);
    };
    let identities = tx.query(IDENTITIES_SQL, &[&id]).await?;
    let identities_json: Vec<String> = identities
        .iter()
        .map(|i| {
            let mut pairs: Vec<(&str, String)> = vec![
                ("identity_id", to_json(&i.get::<_, Uuid>(0).to_string())),
                ("id", to_json(&i.get::<_, String>(1))),
                ("user_id", to_json(&i.get::<_, Uuid>(2).to_string())),
                ("identity_data", i.get::<_, String>(3)),
                ("provider", to_json(&i.get::<_, String>(4))),
            ];
            if let Some(t) = i.get::<_, Option<DateTime<Utc>>>(5) {
                pairs.push(("last_sign_in_at", to_json(&go_time(&t))));
            }
            pairs.push(("created_at", time_or_zero(i.get(6))));
            pairs.push(("updated_at", time_or_zero(i.get(7))));
            if let Some(email) = i.get::<_, Option<String>>(8).filter(|e| !e.is_empty()) {
                pairs.push(("email", to_json(&email)));
            }
            ordered_object(&pairs)
        })
        .collect();
    let email: String = row.get(3);
    let phone: String = row.get(5);
    let app_metadata_text: String = row.get(9);
    let user_metadata_text: String = row.get(10);
    let mut pairs: Vec<(&str, String)> = vec![
        ("id", to_json(&id.to_string())),
        ("aud", to_json(&row.get::<_, String>(1))),
        ("role", to_json(&row.get::<_, String>(2))),
        ("email", to_json(&email)),
    ];
    let optional_time =
        |pairs: &mut Vec<(&str, String)>, name: &'static str, t: Option<DateTime<Utc>>| {
            if let Some(t) = t {
                pairs.push((name, to_json(&go_time(&t))));
            }
        };
    optional_time(&mut pairs, "email_confirmed_at", row.get(4));
    optional_time(&mut pairs, "invited_at", row.get(15));
    pairs.push(("phone", to_json(&phone)));
    optional_time(&mut pairs, "phone_confirmed_at", row.get(6));
    optional_time(&mut pairs, "confirmed_at", row.get(7));
    optional_time(&mut pairs, "last_sign_in_at", row.get(8));
    pairs.push(("app_metadata", normalise(&app_metadata_text)));
    pairs.push(("user_metadata", normalise(&user_metadata_text)));
    pairs.push(("identities", format!("[{}]", identities_json.join(","))));
    pairs.push(("created_at", time_or_zero(row.get(11))));
    pairs.push(("updated_at", time_or_zero(row.get(12))));
    optional_time(&mut pairs, "banned_until", row.get(14));
    pairs.push(("is_anonymous", to_json(&row.get::<_, bool>(13))));
    let role: String = row.get(2);
    Ok(Some(User {
        id,
        role: if role.is_empty() {
            "authenticated".into()
        } else {
            role
        },
        email,
        phone,
        app_metadata: serde_json::from_str(&app_metadata_text)
            .unwrap_or(Value::Object(Default::default())),
        user_metadata: serde_json::from_str(&user_metadata_text)
            .unwrap_or(Value::Object(Default::default())),
        is_anonymous: row.get(13),
        json: ordered_object(&pairs),
    }))
}

/// Go re-encodes stored JSON maps with sorted keys and no spaces; so does serde_json.
fn normalise(json_text: &str) -> String {
    serde_json::from_str::<Value>(json_text)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "{}".into())
}

/// A password sign-in candidate: the user id and whether the password matched (compared by
/// pgcrypto, like the hashes the seed writes).
pub struct PasswordCheck {
    pub id: Uuid,
    pub password_ok: bool,
    pub confirmed: bool,
    pub banned: bool,
}

pub async fn check_password(
    tx: &Transaction<'_>,
    email: &str,
    password: &str,
) -> Result<Option<PasswordCheck>, tokio_postgres::Error> {
    let row = tx
        .query_opt(
            "select id, \
                    coalesce(encrypted_password <> '' and encrypted_password = extensions.crypt($2, encrypted_password), false), \
                    email_confirmed_at is not null, \
                    coalesce(banned_until > now(), false) \
             from auth.users \
             where lower(email) = lower($1) and deleted_at is null and not is_sso_user \
             limit 1",
            &[&email, &password],
        )
        .await?;
    Ok(row.map(|r| PasswordCheck {
        id: r.get(0),
        password_ok: r.get(1),
        confirmed: r.get(2),
        banned: r.get(3),
    }))
}

pub async fn find_by_email(
    tx: &Transaction<'_>,
    email: &str,
) -> Result<Option<(Uuid, bool)>, tokio_postgres::Error> {
    Ok(tx
        .query_opt(
            "select id, email_confirmed_at is not null from auth.users \
             where lower(email) = lower($1) and deleted_at is null and not is_sso_user limit 1",
            &[&email],
        )
        .await?
        .map(|r| (r.get(0), r.get(1))))
}

/// A new account, confirmed at once (GoTrue with autoconfirm, as the local Supabase stack runs).
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub password: Option<&'a str>,
    pub app_metadata: Value,
    pub user_metadata: Value,
    pub provider: &'a str,
    pub provider_id: String,
    pub identity_data: Value,
}

pub async fn create(tx: &Transaction<'_>, user: NewUser<'_>) -> Result<(), tokio_postgres::Error> {
    let app = user.app_metadata.to_string();
    let meta = user.user_metadata.to_string();
    tx.execute(
        "insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, \
                                 confirmation_token, recovery_token, raw_app_meta_data, raw_user_meta_data, \
                                 is_super_admin, created_at, updated_at, is_sso_user, is_anonymous) \
         values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, \
                 case when $3::text is null then null else extensions.crypt($3::text, extensions.gen_salt('bf', 6)) end, \
                 now(), '', '', $4::text::jsonb, $5::text::jsonb, false, now(), now(), false, false)",
        &[&user.id, &user.email, &user.password, &app, &meta],
    )
    .await?;
    let identity = user.identity_data.to_string();
    tx.execute(
        "insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) \
         values (gen_random_uuid(), $1, $2, $3::text::jsonb, $4, now(), now(), now())",
        &[&user.provider_id, &user.id, &identity, &user.provider],
    )
    .await?;
    Ok(())
}

/// Records a sign-in (GoTrue updates both the user and the identity used).
pub async fn record_sign_in(
    tx: &Transaction<'_>,
    id: Uuid,
    provider: &str,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "update auth.users set last_sign_in_at = now() where id = $1",
        &[&id],
    )
    .await?;
    tx.execute(
        "update auth.identities set last_sign_in_at = now() where user_id = $1 and provider = $2",
        &[&id, &provider],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn go_time_format() {
        let t = Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap();
        assert_eq!(go_time(&t), "2026-02-01T10:00:00Z");
        let t = t + chrono::Duration::microseconds(531_190);
        assert_eq!(go_time(&t), "2026-02-01T10:00:00.53119Z");
    }
}

//! Errors as the user reads them: what went wrong, in their language, plus the server's own
//! explanation when it has one (our SQL functions say precisely which rule refused).

use super::Texts;
use punctaj_core::live::ScheduleError;
use punctaj_core::points::{MAX_POINTS_AMOUNT, PointsAmountError};
use punctaj_supabase::{ConfigError, ErrorKind, KeyProblem, SupabaseError};

pub fn error_message(t: &Texts, error: &SupabaseError) -> String {
    if let SupabaseError::Auth {
        code: Some(code), ..
    } = error
    {
        match code.as_str() {
            "invalid_credentials" | "invalid_grant" => return t.err_invalid_credentials.into(),
            "user_already_exists" | "email_exists" => return t.err_user_exists.into(),
            "weak_password" => return t.err_weak_password.into(),
            _ => {}
        }
    }
    if let SupabaseError::Config(problem) = error {
        return config_problem(t, problem);
    }
    let summary = match (error.code(), error.kind()) {
        // The database's precise refusals (docs/database.md, "Errors").
        (Some("23505"), _) => t.err_duplicate_name,
        (Some("PT409"), _) => t.err_stale,
        (Some("PT412"), _) => t.err_row_changed,
        (Some("PT413"), _) => t.err_too_large,
        (_, kind) => kind_summary(t, kind),
    };
    match server_explanation(error) {
        Some(detail) => format!("{summary} ({detail})"),
        None => summary.to_string(),
    }
}

fn kind_summary(t: &Texts, kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unauthorized => t.err_unauthorized,
        ErrorKind::SessionExpired => t.err_session_expired,
        ErrorKind::Forbidden => t.err_forbidden,
        ErrorKind::NotFound => t.err_not_found,
        ErrorKind::Conflict => t.err_conflict,
        ErrorKind::RateLimited { .. } => t.err_rate_limited,
        ErrorKind::Invalid => t.err_invalid,
        ErrorKind::Server => t.err_server,
        ErrorKind::Network => t.err_network,
        ErrorKind::Timeout => t.err_timeout,
        ErrorKind::Aborted => t.err_aborted,
        ErrorKind::Decode => t.err_decode,
    }
}

/// The server's own message, when it says more than the status does.
fn server_explanation(error: &SupabaseError) -> Option<String> {
    let message = match error {
        SupabaseError::PostgRest { message, .. } => message.clone(),
        SupabaseError::Storage { message, .. } => message.clone(),
        SupabaseError::Auth { message, .. } => message.clone(),
        SupabaseError::Decode(message) | SupabaseError::InvalidRequest(message) => message.clone(),
        _ => return None,
    };
    let message = message.trim();
    (!message.is_empty()).then(|| message.to_string())
}

pub fn schedule_problem(t: &Texts, problem: &ScheduleError) -> String {
    match problem {
        ScheduleError::BadInterval => t.config_problem_live_interval.into(),
        ScheduleError::BadSwitch => t.config_problem_realtime_switch.into(),
    }
}

pub fn config_problem(t: &Texts, problem: &ConfigError) -> String {
    match problem {
        ConfigError::MalformedJson(why) => (t.config_problem_malformed_json)(why),
        ConfigError::MissingField(field) => (t.config_problem_missing_field)(field),
        ConfigError::NotText(field) => (t.config_problem_not_text)(field),
        ConfigError::BadUrl { url, .. } => (t.config_problem_bad_url)(url),
        ConfigError::BadKey(KeyProblem::Empty) => t.config_problem_key_empty.into(),
        ConfigError::BadKey(KeyProblem::NotAJwt) => t.config_problem_key_not_jwt.into(),
        ConfigError::BadKey(KeyProblem::SecretKey) => t.config_problem_key_secret.into(),
        ConfigError::BadKey(KeyProblem::WrongRole(role)) => (t.config_problem_key_role)(role),
    }
}

pub fn points_amount_error(t: &Texts, error: &PointsAmountError) -> String {
    match error {
        PointsAmountError::Empty => t.points_amount_empty.into(),
        PointsAmountError::Zero => t.points_amount_zero.into(),
        PointsAmountError::Negative => t.points_amount_negative.into(),
        PointsAmountError::NotANumber => t.points_amount_not_a_number.into(),
        PointsAmountError::TooLarge => (t.points_amount_too_large)(MAX_POINTS_AMOUNT),
    }
}

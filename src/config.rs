//! Where the app finds its Supabase project, at run time, so that one build serves any
//! deployment: `config.json` beside `index.html`, unless the user saved an override on the
//! settings page (kept in this browser only).

use crate::browser::{self, LOCAL_STORAGE};
use punctaj_core::live::{CheckSchedule, ScheduleError};
use punctaj_supabase::{
    ConfigError, HttpRequest, Method, SendOptions, Service, SupabaseConfig, SupabaseError,
};

const OVERRIDE_KEY: &str = "punctaj.config";
const FILE_NAME: &str = "config.json";
const FETCH_TIMEOUT_MS: u32 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    File,
    BrowserOverride,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LoadedConfig {
    pub config: SupabaseConfig,
    pub source: ConfigSource,
    /// Live sync: whether to open the push connection, how often to check while it is healthy.
    /// From `config.json` (an override saved in the browser keeps the defaults).
    pub schedule: CheckSchedule,
}

/// Why the app cannot start; each case tells the user what to fix.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigProblem {
    /// No `config.json` where the app looked (`url`).
    FileMissing { url: String },
    /// The file could not be fetched (network, server error).
    FileUnreachable { url: String, error: SupabaseError },
    /// The file exists but says something wrong.
    FileInvalid { url: String, error: ConfigError },
    /// The override saved in this browser is wrong.
    OverrideInvalid { error: ConfigError },
    /// The file's live-sync settings (`realtime`, `liveCheckIntervalMs`) are wrong.
    ScheduleInvalid { url: String, error: ScheduleError },
}

pub fn config_file_url() -> String {
    browser::url_beside_app(FILE_NAME)
}

pub async fn load() -> Result<LoadedConfig, ConfigProblem> {
    if let Some(saved) = LOCAL_STORAGE.get(OVERRIDE_KEY) {
        return SupabaseConfig::from_json(&saved)
            .map(|config| LoadedConfig {
                config,
                source: ConfigSource::BrowserOverride,
                schedule: CheckSchedule::default(),
            })
            .map_err(|error| ConfigProblem::OverrideInvalid { error });
    }
    let url = config_file_url();
    let request = HttpRequest::new(Service::Rest, Method::Get, url.clone())
        .with_header("cache-control", "no-cache");
    let options = SendOptions::default().timeout_ms(FETCH_TIMEOUT_MS);
    let response = punctaj_supabase::web::send(&request, &options)
        .await
        .map_err(|error| ConfigProblem::FileUnreachable {
            url: url.clone(),
            error,
        })?;
    if response.status == 404 {
        return Err(ConfigProblem::FileMissing { url });
    }
    if !response.is_success() {
        return Err(ConfigProblem::FileUnreachable {
            error: SupabaseError::Network(format!("HTTP {}", response.status)),
            url,
        });
    }
    let text = String::from_utf8_lossy(&response.body);
    let config = SupabaseConfig::from_json(&text).map_err(|error| ConfigProblem::FileInvalid {
        url: url.clone(),
        error,
    })?;
    // Valid JSON by now: from_json parsed it.
    let fields: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let schedule = CheckSchedule::from_config(&fields)
        .map_err(|error| ConfigProblem::ScheduleInvalid { url, error })?;
    Ok(LoadedConfig {
        config,
        source: ConfigSource::File,
        schedule,
    })
}

/// Validates and keeps `url` + `anon_key` in this browser; the app must reload to use them.
pub fn save_override(url: &str, anon_key: &str) -> Result<(), ConfigError> {
    let config = SupabaseConfig::new(url, anon_key)?;
    let json = serde_json::to_string(&config)
        .map_err(|error| ConfigError::MalformedJson(error.to_string()))?;
    LOCAL_STORAGE.set(OVERRIDE_KEY, &json);
    Ok(())
}

pub fn clear_override() {
    LOCAL_STORAGE.remove(OVERRIDE_KEY);
}

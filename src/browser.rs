//! Small, typed doors to the browser APIs the app uses (storage, clock, URL, files), so that the
//! rest of the code never juggles `JsValue`s.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use wasm_bindgen::{JsCast, JsValue};

fn window() -> web_sys::Window {
    web_sys::window().expect("Punctaj runs in a browser window")
}

/// A Web Storage area (`localStorage` or `sessionStorage`), which may be unavailable (private
/// mode, disabled storage): reads then return nothing and writes are dropped, rather than
/// breaking the app.
pub struct WebStorage(fn(&web_sys::Window) -> Result<Option<web_sys::Storage>, JsValue>);

/// Kept across visits (session, language, configuration override).
pub const LOCAL_STORAGE: WebStorage = WebStorage(web_sys::Window::local_storage);
/// Kept by one tab only: survives the OAuth redirect round trip, nothing more.
pub const SESSION_STORAGE: WebStorage = WebStorage(web_sys::Window::session_storage);

impl WebStorage {
    fn area(&self) -> Option<web_sys::Storage> {
        (self.0)(&window()).ok().flatten()
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.area()?.get_item(key).ok().flatten()
    }

    pub fn set(&self, key: &str, value: &str) {
        if let Some(area) = self.area() {
            let _ = area.set_item(key, value);
        }
    }

    pub fn remove(&self, key: &str) {
        if let Some(area) = self.area() {
            let _ = area.remove_item(key);
        }
    }
}

/// Milliseconds since the Unix epoch, from the browser clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn now_utc() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(now_ms() as i64)
        .single()
        .unwrap_or_default()
}

/// The browser's UTC offset at that instant (daylight saving time changes it during the year).
fn local_offset_at(instant: DateTime<Utc>) -> FixedOffset {
    let date = js_sys::Date::new(&JsValue::from_f64(instant.timestamp_millis() as f64));
    // getTimezoneOffset is UTC minus local, in minutes.
    let east_seconds = -(date.get_timezone_offset() as i32) * 60;
    FixedOffset::east_opt(east_seconds).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap())
}

/// A timestamp as the user reads it: local time, `YYYY-MM-DD HH:MM:SS` (the legacy app's format).
pub fn format_local(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&local_offset_at(instant))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The path the app is served under (`""` at the root, `"/punctaj"` under a sub-path), from the
/// `<base href>` Trunk writes from `--public-url`.
pub fn base_path() -> String {
    let base = window()
        .document()
        .and_then(|document| document.base_uri().ok().flatten())
        .unwrap_or_default();
    let path = web_sys::Url::new(&base)
        .map(|url| url.pathname())
        .unwrap_or_default();
    path.trim_end_matches('/').to_string()
}

/// An absolute URL of a file beside `index.html` (e.g. `config.json`).
pub fn url_beside_app(file: &str) -> String {
    let base = window()
        .document()
        .and_then(|document| document.base_uri().ok().flatten())
        .unwrap_or_default();
    web_sys::Url::new_with_base(file, &base)
        .map(|url| url.href())
        .unwrap_or_else(|_| file.to_string())
}

/// The app's own root URL, where OAuth sends the user back.
pub fn app_root_url() -> String {
    url_beside_app("./")
}

pub fn location_hash() -> String {
    window().location().hash().unwrap_or_default()
}

pub fn location_search() -> String {
    window().location().search().unwrap_or_default()
}

/// Removes the query and fragment from the address bar without reloading (OAuth tokens and codes
/// must not stay in the URL, the history or a bookmark).
pub fn clear_url_query_and_fragment() {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
}

pub fn redirect_to(url: &str) {
    let _ = window().location().set_href(url);
}

pub fn reload() {
    let _ = window().location().reload();
}

pub fn is_online() -> bool {
    window().navigator().on_line()
}

pub fn document_visible() -> bool {
    window()
        .document()
        .map(|document| document.visibility_state() == web_sys::VisibilityState::Visible)
        .unwrap_or(true)
}

/// Offers `text` to the user as a file download named `file_name`.
pub fn download_text_file(file_name: &str, text: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = window()
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// A span in the browser's performance timeline (`performance.measure`), visible in the
/// developer tools and read by the benchmark.
pub struct PerformanceSpan {
    name: &'static str,
    start_mark: String,
}

impl PerformanceSpan {
    pub fn start(name: &'static str) -> Self {
        let start_mark = format!("{name}:start:{}", now_ms());
        if let Some(performance) = window().performance() {
            let _ = performance.mark(&start_mark);
        }
        PerformanceSpan { name, start_mark }
    }

    pub fn end(self) {
        if let Some(performance) = window().performance() {
            let _ = performance.measure_with_start_mark(self.name, &self.start_mark);
            performance.clear_marks_with_mark_name(&self.start_mark);
        }
    }
}

/// A named instant in the browser's performance timeline: what tests and the benchmark observe
/// instead of watching the screen or listening.
pub fn performance_mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// A JavaScript error's message (an `Error`'s `message`, a thrown string, else its debug form).
pub fn js_error_message(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

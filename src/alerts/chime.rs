//! A two-note chime made with the Web Audio API: no audio file to download.

use crate::browser;

/// Plays the chime; marks `punctaj:chime` in the performance timeline (what tests observe). A
/// browser that refuses audio (no user gesture yet, no audio device) stays silent, nothing more.
pub fn play() {
    if schedule_notes().is_ok() {
        browser::performance_mark("punctaj:chime");
    }
}

fn schedule_notes() -> Result<(), wasm_bindgen::JsValue> {
    let context = web_sys::AudioContext::new()?;
    let _ = context.resume();
    let start = context.current_time();
    // A rising fifth, short and soft: noticeable without being alarming.
    for (index, frequency) in [660.0_f32, 990.0].into_iter().enumerate() {
        let at = start + index as f64 * 0.16;
        let oscillator = context.create_oscillator()?;
        oscillator.set_type(web_sys::OscillatorType::Sine);
        oscillator.frequency().set_value(frequency);
        let gain = context.create_gain()?;
        gain.gain().set_value_at_time(0.0001, at)?;
        gain.gain()
            .exponential_ramp_to_value_at_time(0.2, at + 0.02)?;
        gain.gain()
            .exponential_ramp_to_value_at_time(0.0001, at + 0.3)?;
        oscillator.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(&context.destination())?;
        oscillator.start_with_when(at)?;
        oscillator.stop_with_when(at + 0.32)?;
    }
    // The context is let go once the notes end; the browser closes it then.
    Ok(())
}

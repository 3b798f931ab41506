//! The browser entry point. Trunk builds this binary for wasm32; natively it only explains that.

#[cfg(target_arch = "wasm32")]
fn main() {
    punctaj::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Punctaj is a browser app: build it with `trunk build` (see README.md).");
}

//! Gives the shared library its SONAME, `libhwsms.so.0`, so that programs
//! record the ABI they were linked against (install.sh makes the links).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libhwsms.so.0");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

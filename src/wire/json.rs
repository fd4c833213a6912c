//! Writing request bodies: bounded, and refused (never panicking) when a
//! value cannot be JSON.

use serde::Serialize;

use crate::error::InvalidRequest;
use crate::limits::MAX_REQUEST_BODY;

/// `value` as JSON, within [`MAX_REQUEST_BODY`].
pub(crate) fn to_json<T: Serialize + ?Sized>(
    what: &str,
    value: &T,
) -> Result<Vec<u8>, InvalidRequest> {
    let body = serde_json::to_vec(value)
        .map_err(|e| InvalidRequest::new(format!("{what} cannot be written as JSON: {e}")))?;
    check_size(what, body.len())?;
    Ok(body)
}

/// Refuses a body larger than [`MAX_REQUEST_BODY`].
pub(crate) fn check_size(what: &str, len: usize) -> Result<(), InvalidRequest> {
    if len > MAX_REQUEST_BODY {
        return Err(InvalidRequest::new(format!(
            "{what} is {len} bytes, more than the {MAX_REQUEST_BODY}-byte limit"
        )));
    }
    Ok(())
}

/// Refuses a number JSON cannot carry (NaN, infinity) or a negative one
/// where SMS expects a measure.
pub(crate) fn check_measure(what: &str, value: f64) -> Result<(), InvalidRequest> {
    if !value.is_finite() || value < 0.0 {
        return Err(InvalidRequest::new(format!(
            "{what} is {value}; it must be a finite number, 0 or more"
        )));
    }
    Ok(())
}

//! Checklist: `context.WithValue` with a typed key, and the anti-pattern of mutable state in a
//! context value.
//!
//! Go's advice is a private key type (`type ctxKey struct{}`) so packages cannot collide, and a
//! type assertion on the way out. Here the key *is* a type implementing [`Key`], which also fixes
//! the value's type: no collisions, no assertion, no `interface{}`.

use std::sync::Mutex;

use crate::{Context, Key};

/// The request-ID key. Go: `type requestIDKey struct{}` plus `ctx.Value(requestIDKey{}).(string)`.
#[derive(Debug)]
pub struct RequestId;

impl Key for RequestId {
    type Value = String;
}

/// The request ID on `ctx`, if a middleware bound one.
pub fn request_id(ctx: &Context) -> Option<&str> {
    ctx.value::<RequestId>().map(String::as_str)
}

/// The anti-pattern: a shopping cart kept *inside* a context value.
///
/// This version is problematic: a context value is shared by every context derived from the one
/// that bound it, so "per-request" state bound high up is in fact one cart for the whole server.
/// Deriving a context per request does not copy values, cancelling a request does not undo its
/// writes, and `add_to_cart(ctx, item)` does not say in its signature that it mutates anything.
pub mod anti_pattern {
    use super::*;

    /// The key of the shared, mutable cart.
    #[derive(Debug)]
    pub struct Cart;

    impl Key for Cart {
        type Value = Mutex<Vec<String>>;
    }

    /// The server's root context, with an (apparently) empty cart in it.
    pub fn server_root() -> Context {
        Context::with_value::<Cart>(&Context::background(), Mutex::new(Vec::new()))
    }

    /// Handles one request: derives "its own" context, adds `item` to "its" cart, returns the cart.
    pub fn handle_request(root: &Context, item: &str) -> Vec<String> {
        let (request_ctx, done) = Context::with_cancel(root);
        let cart = request_ctx
            .value::<Cart>()
            .expect("server_root binds a cart");
        let mut cart = cart
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cart.push(item.to_owned());
        let seen = cart.clone();
        done.cancel(); // the request is over; its write is not
        seen
    }
}

/// The right design: mutable state is an explicit value with one owner, passed as `&mut`; the
/// context carries only immutable, request-scoped data (the request ID).
pub mod right_design {
    use super::*;

    /// State that belongs to one request, owned by its handler.
    #[derive(Debug, Default)]
    pub struct RequestState {
        /// This request's cart.
        pub cart: Vec<String>,
    }

    /// Handles one request: the signature says what is read (`ctx`) and what is changed (`state`).
    pub fn handle_request(ctx: &Context, state: &mut RequestState, item: &str) -> Vec<String> {
        let tag = request_id(ctx).unwrap_or("no-id");
        state.cart.push(format!("{item} ({tag})"));
        state.cart.clone()
    }
}

//! Declares the views use cases hand to the web layer: a struct of app's own, built from the stored
//! row it reads (the fields named are taken from the row; the rest of the row stays behind).

/// `view! { pub struct Wallet from attune_db::wallets::WalletRow { pub id: Uuid, … } }` declares
/// `Wallet` with those fields and `impl From<WalletRow> for Wallet`.
macro_rules! view {
    ($(#[$meta:meta])* pub struct $name:ident from $row:path { $($(#[$field_meta:meta])* pub $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty),*
        }

        impl From<$row> for $name {
            fn from(row: $row) -> Self {
                Self { $($field: row.$field),* }
            }
        }
    };
}

pub(crate) use view;

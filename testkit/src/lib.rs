pub mod tor;

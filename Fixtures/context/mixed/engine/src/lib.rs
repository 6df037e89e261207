pub mod lexer;
pub mod parser;

pub use parser::{parse_expression, Expr};

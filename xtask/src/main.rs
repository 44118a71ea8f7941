//! The workspace's task runner.

fn main() {}

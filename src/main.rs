fn main() {
    std::process::exit(piazza::cli::main());
}

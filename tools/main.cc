// mtlscert: STARTTLS certificates for mail servers, done right.
#include "cli.h"

int main(int argc, char** argv) { return mtlscert::cli::run_cli(argc, argv); }

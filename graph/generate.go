package graph

// gqlgen reads paths in gqlgen.yml from the working directory: run it from the module root.
//go:generate sh -c "cd .. && go tool gqlgen generate"

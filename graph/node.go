package graph

// Node is any object with a global id. The concrete types live in package db, which knows
// nothing of GraphQL, so the interface asks for no method; the id resolvers build ids.
type Node any

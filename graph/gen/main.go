// Command gen is `gqlgen generate` with one plugin of the project's (run by go generate in
// package graph, from the module root, where gqlgen.yml is).
//
// gqlgen runs every field that has a resolver, or a method taking a context, in a goroutine of
// its own, so that fields doing I/O wait side by side. Here the fields of one object run one
// after the other, in the goroutine of the object: for a page of 50 slots that is 150
// goroutines and field contexts less, where almost every such field does no I/O (a global id,
// seatsLeft for a caller without reserved seats, a workshop read with its slot). The elements
// of a list still run side by side, so that the loaders (package batch) still gather the
// siblings of a page into one statement; only the fields of one object that both wait for a
// loader (a slot's workshop and venue when they were not read with it) wait one after the
// other: one round trip more, never a statement more. Root fields of a query keep gqlgen's
// way (one goroutine each); a mutation's already run in order.
package main

import (
	"fmt"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := api.Generate(cfg, api.AddPlugin(inOrder{})); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// inOrder makes the fields of every object but the roots run in their object's goroutine.
type inOrder struct{}

func (inOrder) Name() string { return "inorder" }

func (inOrder) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root {
			o.DisableConcurrency = true
		}
	}
	return nil
}

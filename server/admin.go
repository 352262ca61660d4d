package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/regiestains/ateliers/db"
)

// runCommand runs an administration command instead of the server.
func runCommand(ctx context.Context, c config, args []string) error {
	if len(args) == 2 && args[0] == "import-lieux" {
		return importLieux(ctx, c, args[1])
	}
	if len(args) < 2 || args[0] != "admin" || args[1] != "create-key" {
		return fmt.Errorf("unknown command %q; usage: server [admin create-key -label LABEL | import-lieux FILE]", args)
	}
	fs := flag.NewFlagSet("admin create-key", flag.ContinueOnError)
	label := fs.String("label", "network administrator", "label of the new key")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	pool, err := openDatabase(ctx, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	key, secret, err := db.CreateAPIKey(ctx, pool, db.NewAPIKey{Label: *label, NetworkAdmin: true})
	if err != nil {
		return err
	}
	fmt.Printf("Network administrator key %q created (id %d). Its secret, shown only now:\n%s\n", key.Label, key.ID, secret)
	return nil
}

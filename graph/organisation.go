package graph

import (
	"strings"

	"github.com/regiestains/ateliers/db"
)

// checkOrganisation validates the fields every organisation write shares.
func checkOrganisation(p *problems, o *db.Organisation) {
	o.Name = strings.TrimSpace(o.Name)
	p.text("name", o.Name, true, 200)
	p.text("description", o.Description, false, 5000)
}

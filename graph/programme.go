package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// programmeWorkshops checks a programme's ordered workshop list: 1 to 20 distinct workshops of
// the programme's organisation.
func (r *Resolver) programmeWorkshops(ctx context.Context, p *problems, orgID int64, gids []string) ([]int64, error) {
	if len(gids) == 0 || len(gids) > 20 {
		p.add(UserErrorCodeInvalid, "workshopIds", "workshopIds must list 1 to 20 workshops")
		return nil, nil
	}
	ids, err := idsOf(kindWorkshop, gids)
	if err != nil {
		p.add(UserErrorCodeNotFound, "workshopIds", "workshopIds must hold workshop ids")
		return nil, nil
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			p.add(UserErrorCodeInvalid, "workshopIds", "a workshop appears twice in workshopIds")
			return nil, nil
		}
		seen[id] = true
	}
	found, err := db.WorkshopsByID(ctx, r.Pool, ids)
	if err != nil {
		return nil, err
	}
	// Another organisation's unpublished workshops are not found, as everywhere else: the
	// answer must not tell that they exist.
	visible := 0
	for _, w := range found {
		if w.VisibleTo(db.Caller{OrganisationID: orgID}) { // as the programme's organisation sees it
			visible++
		}
	}
	if visible != len(ids) {
		p.add(UserErrorCodeNotFound, "workshopIds", "no workshop with one of these ids")
		return nil, nil
	}
	for _, w := range found {
		if w.OrganisationID != orgID {
			p.add(UserErrorCodeWrongOrganisation, "workshopIds", "a programme holds workshops of its own organisation only")
			return nil, nil
		}
	}
	return ids, nil
}

func checkProgramme(p *problems, pr *db.Programme) {
	pr.Title = strings.TrimSpace(pr.Title)
	p.text("title", pr.Title, true, 200)
	p.text("description", pr.Description, false, 5000)
}

// ownProgramme loads a programme the caller may change (see ownVenue).
func (r *Resolver) ownProgramme(ctx context.Context, p *problems, gid string) (db.Programme, error) {
	if err := requireKey(callerFrom(ctx)); err != nil {
		return db.Programme{}, err
	}
	id, err := idOf(kindProgramme, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not a programme id")
		return db.Programme{}, nil
	}
	pr, err := db.VisibleProgramme(ctx, r.Pool, callerFrom(ctx), id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "id", "no programme with this id")
		return db.Programme{}, nil
	}
	if err != nil {
		return db.Programme{}, err
	}
	return pr, requireScope(callerFrom(ctx), pr.OrganisationID, db.ScopeCatalogueWrite)
}

// changeProgramme applies change to a programme, checks the result and writes it, in one
// transaction; p holds the problems found before.
func (r *mutationResolver) changeProgramme(ctx context.Context, p problems, id int64, change func(*db.Programme)) (*ProgrammePayload, error) {
	updated, err := db.UpdateProgramme(ctx, r.Pool, id, func(pr *db.Programme) error {
		change(pr)
		checkProgramme(&p, pr)
		return p.err()
	})
	if errors.Is(err, errInvalid) {
		return &ProgrammePayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	return &ProgrammePayload{Programme: &updated, UserErrors: p.errs()}, nil
}

package graph

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/regiestains/ateliers/db"
)

// checkWorkshop validates and normalises the fields every workshop write shares.
func checkWorkshop(p *problems, w *db.Workshop) {
	w.Title = strings.TrimSpace(w.Title)
	p.text("title", w.Title, true, 200)
	p.text("summary", w.Summary, false, 500)
	p.text("description", w.Description, false, 10000)
	if len(w.Topics) == 0 || len(w.Topics) > 10 {
		p.add(UserErrorCodeInvalid, "topics", "topics must have 1 to 10 items")
	}
	if len(w.Audiences) == 0 {
		p.add(UserErrorCodeRequired, "audiences", "audiences needs at least one item (EVERYONE for all)")
	}
	p.intRange("durationMinutes", w.DurationMinutes, 15, 480)
	p.list("whatToBring", w.WhatToBring, 0, 20, 200)
	w.Languages = p.languages("languages", w.Languages)
	p.text("prerequisites", w.Prerequisites, false, 2000)
	if len(w.Resources) > 20 {
		p.add(UserErrorCodeTooLong, "resources", "resources has at most 20 items")
	}
	for _, res := range w.Resources {
		if strings.TrimSpace(res.Title) == "" || utf8.RuneCountInString(res.Title) > 200 {
			p.add(UserErrorCodeInvalid, "resources", "each resource needs a title of 1 to 200 characters")
			break
		}
	}
}

func resourcesOf(in []LearningResourceInput) []db.LearningResource {
	out := make([]db.LearningResource, len(in))
	for i, r := range in {
		out[i] = db.LearningResource{Title: strings.TrimSpace(r.Title), URL: r.URL}
	}
	return out
}

func (r *mutationResolver) createWorkshop(ctx context.Context, in CreateWorkshopInput) (*WorkshopPayload, error) {
	orgID, err := requireOwnScope(callerFrom(ctx), db.ScopeCatalogueWrite)
	if err != nil {
		return nil, err
	}
	w := db.Workshop{
		OrganisationID: orgID, Title: in.Title, Summary: strings.TrimSpace(deref(in.Summary)),
		Description: deref(in.Description), Topics: in.Topics, Level: or(in.Level, db.LevelBeginner),
		DurationMinutes: in.DurationMinutes, Audiences: in.Audiences, WhatToBring: in.WhatToBring,
		Languages: or(&in.Languages, []string{"fr"}), Prerequisites: deref(in.Prerequisites),
		Resources: resourcesOf(in.Resources), Status: or(in.Status, db.StatusDraft),
	}
	var p problems
	checkWorkshop(&p, &w)
	if len(p) > 0 {
		return &WorkshopPayload{UserErrors: p}, nil
	}
	created, err := db.CreateWorkshop(ctx, r.Pool, w)
	if err != nil {
		return nil, err
	}
	return &WorkshopPayload{Workshop: &created, UserErrors: p.errs()}, nil
}

// ownWorkshop loads a workshop the caller may change (see ownVenue).
func (r *Resolver) ownWorkshop(ctx context.Context, p *problems, field, gid string) (db.Workshop, error) {
	if err := requireKey(callerFrom(ctx)); err != nil {
		return db.Workshop{}, err
	}
	id, err := idOf(kindWorkshop, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a workshop id", field)
		return db.Workshop{}, nil
	}
	w, err := db.VisibleWorkshop(ctx, r.Pool, callerFrom(ctx), id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, field, "no workshop with this %s", field)
		return db.Workshop{}, nil
	}
	if err != nil {
		return db.Workshop{}, err
	}
	return w, requireScope(callerFrom(ctx), w.OrganisationID, db.ScopeCatalogueWrite)
}

func (r *mutationResolver) updateWorkshop(ctx context.Context, in UpdateWorkshopInput) (*WorkshopPayload, error) {
	return r.changeWorkshop(ctx, in.ID, func(w *db.Workshop) {
		set(&w.Title, in.Title)
		set(&w.Summary, in.Summary)
		set(&w.Description, in.Description)
		if in.Topics != nil {
			w.Topics = in.Topics
		}
		set(&w.Level, in.Level)
		set(&w.DurationMinutes, in.DurationMinutes)
		if in.Audiences != nil {
			w.Audiences = in.Audiences
		}
		if in.WhatToBring != nil {
			w.WhatToBring = in.WhatToBring
		}
		if in.Languages != nil {
			w.Languages = in.Languages
		}
		set(&w.Prerequisites, in.Prerequisites)
		if in.Resources != nil {
			w.Resources = resourcesOf(in.Resources)
		}
		set(&w.Status, in.Status)
	})
}

func (r *mutationResolver) archiveWorkshop(ctx context.Context, in ArchiveInput) (*WorkshopPayload, error) {
	return r.changeWorkshop(ctx, in.ID, func(w *db.Workshop) { w.Status = db.StatusArchived })
}

// changeWorkshop applies change to a workshop the caller may change, checks the result and
// writes it, in one transaction.
func (r *mutationResolver) changeWorkshop(ctx context.Context, gid string, change func(*db.Workshop)) (*WorkshopPayload, error) {
	var p problems
	w, err := r.ownWorkshop(ctx, &p, "id", gid)
	if err != nil || len(p) > 0 {
		return &WorkshopPayload{UserErrors: p}, err
	}
	updated, err := db.UpdateWorkshop(ctx, r.Pool, w.ID, func(w *db.Workshop) error {
		change(w)
		checkWorkshop(&p, w)
		return p.err()
	})
	if errors.Is(err, errInvalid) {
		return &WorkshopPayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	return &WorkshopPayload{Workshop: &updated, UserErrors: p.errs()}, nil
}

// slotsOfWorkshop is Workshop.slots: Query.slots with the workshop as the only workshopIds.
func (r *Resolver) slotsOfWorkshop(ctx context.Context, w *db.Workshop, f *db.SlotFilter, first *int, after *string) (*SlotConnection, error) {
	filter := deref(f)
	filter.WorkshopIDs = nil // replaced by the workshop
	return nestedSlots(ctx, loadersFrom(ctx).workshopSlots, w.ID, filter, first, after)
}

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

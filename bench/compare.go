package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// comparison is the availability query on a smaller dataset against the main one, measured
// in turns: the p50 of each run, smaller dataset first.
type comparison struct {
	scale      float64
	slots      int
	clients    int
	small, big []time.Duration
}

// ratio is the median p50 on the main dataset over the median p50 on the smaller one.
func (c *comparison) ratio() float64 {
	return float64(median(c.big)) / float64(max(median(c.small), 1))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// compareRounds is how many times each dataset is measured, in turns.
const compareRounds = 3

// compareScale measures availability (API only, first client count) on the dataset of scale
// c.compare and on the main one in turns, so that both meet the same load on a shared
// machine: measured an hour apart, the ratio of their p50s moved between 1.0 and 1.7.
func compareScale(ctx context.Context, c config, bin, tmp, admin string, main *datasetDB, r *report) error {
	small, err := openDataset(ctx, admin, c.compare, c)
	if err != nil {
		return err
	}
	defer small.close()
	n := c.clients[0]
	var works []work
	for i, ds := range []*datasetDB{small, main} {
		env, err := loadEnv(ctx, ds.pool, ds.meta)
		if err != nil {
			return err
		}
		avail := operations(env, c.seed, c.samples)[0]
		srv, err := startServer(ctx, bin, ds.url, c.conns, false, filepath.Join(tmp, fmt.Sprintf("compare-%d.log", i)))
		if err != nil {
			return err
		}
		defer srv.stop()
		works = append(works, apiWork([]*api{newAPI(srv.url, n)}, avail))
	}
	cmp := &comparison{scale: c.compare, slots: small.meta.Sizes.Slots, clients: n}
	for range compareRounds {
		for i, w := range works {
			p50 := drive(ctx, n, c.warmup, c.duration, w).quantile(0.5)
			if i == 0 {
				cmp.small = append(cmp.small, p50)
			} else {
				cmp.big = append(cmp.big, p50)
			}
			logf("availability at %d slots, %d clients: p50 %v", []int{small.meta.Sizes.Slots, main.meta.Sizes.Slots}[i], n, ms(p50))
		}
	}
	r.compare = cmp
	return nil
}

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// stateCollector reads, at scrape time, what is state rather than events: the cache, origin
// health, the write queues and the serving hooks generation. Nothing of it costs a request anything.
type stateCollector struct{ opt Options }

var (
	cacheBytesDesc = prometheus.NewDesc("hookfront_cache_bytes", "Bytes the cache holds (bodies, headers, keys and per-entry overhead).", nil, nil)
	cacheMaxDesc   = prometheus.NewDesc("hookfront_cache_max_bytes", "The cache's byte budget (cache.max_size).", nil, nil)
	cacheEntDesc   = prometheus.NewDesc("hookfront_cache_entries", "Entries the cache holds.", nil, nil)
	cacheEvDesc    = prometheus.NewDesc("hookfront_cache_evictions_total", "Entries evicted to stay within the byte budget.", nil, nil)
	healthyDesc    = prometheus.NewDesc("hookfront_origin_healthy",
		"1 when origin health lets requests try the origin for the method class (reads, writes), 0 while it is ejected or down; only origins in groups with health.",
		[]string{"origin", "class"}, nil)
	ejectionsDesc = prometheus.NewDesc("hookfront_origin_ejections_total",
		"How often origin health ejected the origin (passive) or found it down (active), by method class.", []string{"origin", "class"}, nil)
	generationDesc = prometheus.NewDesc("hookfront_hooks_generation", "The serving hooks generation (0 without hooks).", nil, nil)
	queueDepthDesc = prometheus.NewDesc("hookfront_queue_depth", "Writes in the group's write queue, waiting or being delivered.", []string{"group"}, nil)
	queueAgeDesc   = prometheus.NewDesc("hookfront_queue_oldest_seconds", "Age of the oldest write waiting in the group's write queue (0 when none).", []string{"group"}, nil)
	queueEndedDesc = prometheus.NewDesc("hookfront_queue_delivered_total",
		"Queued writes that ended in this process, by outcome: delivered, rejected (an origin's final answer of 400 or more) or expired.", []string{"group", "outcome"}, nil)
	sharedUpDesc = prometheus.NewDesc("hookfront_shared_cache_up",
		"1 while the shared cache tier (cache.shared) is in use, 0 while its store is down, slow or not reached yet.", nil, nil)
	sharedErrDesc = prometheus.NewDesc("hookfront_shared_cache_errors_total",
		"Commands to the shared cache's store that failed: connection, timeout, out of memory.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cacheBytesDesc, cacheMaxDesc, cacheEntDesc, cacheEvDesc, healthyDesc, ejectionsDesc, generationDesc,
		queueDepthDesc, queueAgeDesc, queueEndedDesc, sharedUpDesc, sharedErrDesc} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if c.opt.Cache != nil {
		st := c.opt.Cache()
		ch <- prometheus.MustNewConstMetric(cacheBytesDesc, prometheus.GaugeValue, float64(st.Bytes))
		ch <- prometheus.MustNewConstMetric(cacheMaxDesc, prometheus.GaugeValue, float64(st.MaxBytes))
		ch <- prometheus.MustNewConstMetric(cacheEntDesc, prometheus.GaugeValue, float64(st.Entries))
		ch <- prometheus.MustNewConstMetric(cacheEvDesc, prometheus.CounterValue, float64(st.Evictions))
	}
	if c.opt.Health != nil {
		for _, m := range c.opt.Health() {
			for class, st := range m.Classes {
				v := 0.0
				if st.Healthy {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(healthyDesc, prometheus.GaugeValue, v, m.Origin, class)
				ch <- prometheus.MustNewConstMetric(ejectionsDesc, prometheus.CounterValue, float64(st.Ejections), m.Origin, class)
			}
		}
	}
	if c.opt.Queues != nil {
		for _, q := range c.opt.Queues() {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(q.Depth), q.Group)
			ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, q.OldestSeconds, q.Group)
			for outcome, n := range q.Ended {
				ch <- prometheus.MustNewConstMetric(queueEndedDesc, prometheus.CounterValue, float64(n), q.Group, outcome)
			}
		}
	}
	if c.opt.Shared != nil {
		st := c.opt.Shared()
		up := 0.0
		if st.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(sharedUpDesc, prometheus.GaugeValue, up)
		ch <- prometheus.MustNewConstMetric(sharedErrDesc, prometheus.CounterValue, float64(st.Errors))
	}
	gen := int64(0)
	if c.opt.Generation != nil {
		gen = c.opt.Generation()
	}
	ch <- prometheus.MustNewConstMetric(generationDesc, prometheus.GaugeValue, float64(gen))
}

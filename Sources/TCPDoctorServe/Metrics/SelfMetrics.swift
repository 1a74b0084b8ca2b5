import TCPDoctorLinux

/// The self-metrics: what serve's snapshots cost and how many, scrapes and their errors, and the
/// series the bounds folded or dropped. Written after the snapshot's families, out of a reserve
/// of the cap (`MetricCatalog.selfSeriesCount`), so that the cap never hides them.
enum SelfMetrics {
    static func families(_ snapshot: CachedSnapshot, statistics: SnapshotCache.Statistics) -> [MetricFamily] {
        var families: [MetricFamily] = []
        func single(_ definition: MetricDefinition, _ value: Double) {
            families.append(MetricFamily(definition, samples: [MetricSample([], value)]))
        }
        single(MetricCatalog.snapshots, Double(statistics.snapshots))
        single(MetricCatalog.snapshotDuration, snapshot.wallSeconds)
        if case .success(let sample) = snapshot.sample { single(MetricCatalog.snapshotTimestamp, sample.takenAt) }
        single(MetricCatalog.snapshotSuccess, snapshot.metrics == nil ? 0 : 1)
        single(MetricCatalog.scrapes, Double(statistics.scrapes))
        single(MetricCatalog.scrapeErrors, Double(statistics.scrapeErrors))
        single(MetricCatalog.recordSamples, Double(statistics.recordedSamples))
        single(MetricCatalog.recordErrors, Double(statistics.recordErrors))
        single(MetricCatalog.seriesDropped, Double(statistics.seriesDropped))
        families.append(
            MetricFamily(
                MetricCatalog.seriesFolded,
                samples: MetricCatalog.foldedFamilies.map {
                    MetricSample([$0], Double(statistics.seriesFolded[$0] ?? 0))
                }
            )
        )
        let own = families.reduce(0) { $0 + $1.samples.count } + 1
        single(MetricCatalog.exportedSeries, Double((snapshot.metrics?.seriesCount ?? 0) + own))
        return families
    }
}

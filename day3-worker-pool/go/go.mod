module concurrency-labs/day3-worker-pool/go

go 1.19

require concurrency-labs/day1-sync-atomic/go v0.0.0

replace concurrency-labs/day1-sync-atomic/go => ../../day1-sync-atomic/go

module concurrency-labs/day1-sync-atomic/go

go 1.19

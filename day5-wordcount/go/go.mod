module concurrency-labs/day5-wordcount/go

go 1.19

-- wrk script: POST the file named by the BODY environment variable to the URL given to wrk.
--   BODY=body.txt wrk -t2 -c8 -d10s -s post.lua 'http://127.0.0.1:7979/count?top=10'
wrk.method = "POST"
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()

-- POST with an empty body (bench/prototypes/request_path.py write route)
wrk.method = "POST"
wrk.body = ""

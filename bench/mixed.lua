-- The mixed load of bench/mixed_load.py: each request's kind drawn at random, reads and writes
-- over a set of engagements, every answer's status counted.
--
--   wrk -tT -H 'Authorization: Bearer ...' -s bench/mixed.lua URL -- MIX T ENGAGEMENTS MILESTONES
--
-- MIX: the percentages of list,engagement,recommendations,patch_engagement,patch_milestone
-- (e.g. 40,20,20,10,10); T: wrk's threads; ENGAGEMENTS: comma-separated ids; MILESTONES:
-- comma-separated ids, the i-th a milestone of the i-th engagement. Reads pick an engagement at
-- random. The writes send If-Match: * and a new text each time, so they succeed again and again
-- without adding rows; each thread writes its own share of the engagements (and their
-- milestones) in turn, so that two writes to one row overlap only when one is held up while
-- the thread sends a whole round of others: an optimistic-locking conflict (409) then means
-- that the server stalled, not that the load raced itself. After wrk's own report, done()
-- prints one line per status ("mixed status 200 12345") and per kind of request sent
-- ("mixed sent list 4567").

local KINDS = { "list", "engagement", "recommendations", "patch_engagement", "patch_milestone" }
local API = "/api/v1/engagements"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

-- Per thread (each has its own Lua state): counts that done() adds up.
statuses = {}
sent = {}

local bounds, engagements, milestones, write_headers, revision
-- This thread's share of the engagements (indexes), and where each kind of write is in it.
local own, next_write = {}, {}

local function numbers(text)
   local list = {}
   for n in string.gmatch(text, "%d+") do
      table.insert(list, tonumber(n))
   end
   return list
end

function init(args)
   if #args ~= 4 then
      error("usage: wrk ... -s mixed.lua URL -- MIX THREADS ENGAGEMENTS MILESTONES")
   end
   bounds = {}
   local total = 0
   for _, share in ipairs(numbers(args[1])) do
      total = total + share
      table.insert(bounds, total)
   end
   local threads = tonumber(args[2])
   engagements, milestones = numbers(args[3]), numbers(args[4])
   if #bounds ~= #KINDS or total ~= 100 or #engagements < threads
      or #milestones ~= #engagements then
      error("mixed.lua: bad MIX, THREADS, ENGAGEMENTS or MILESTONES")
   end
   for i = thread_number, #engagements, threads do
      table.insert(own, i)
   end
   next_write = { patch_engagement = 0, patch_milestone = 0 }
   write_headers = {}
   for name, value in pairs(wrk.headers) do
      write_headers[name] = value
   end
   write_headers["Content-Type"] = "application/json"
   write_headers["If-Match"] = "*"
   math.randomseed(os.time() * 1000 + thread_number)
   revision = thread_number * 1000000000
   for _, kind in ipairs(KINDS) do
      sent[kind] = 0
   end
end

local function kind_of(roll)
   for i, bound in ipairs(bounds) do
      if roll <= bound then
         return KINDS[i]
      end
   end
end

function request()
   local kind = kind_of(math.random(100))
   sent[kind] = sent[kind] + 1
   if kind == "list" then
      return wrk.format("GET", API .. "?limit=50")
   end
   local i = math.random(#engagements)
   if next_write[kind] then
      -- This thread's engagements, in turn.
      next_write[kind] = next_write[kind] % #own + 1
      i = own[next_write[kind]]
   end
   local engagement = API .. "/" .. engagements[i]
   if kind == "engagement" then
      return wrk.format("GET", engagement)
   elseif kind == "recommendations" then
      return wrk.format("GET", engagement .. "/recommendations")
   end
   revision = revision + 1
   if kind == "patch_engagement" then
      local body = '{"summary": "Advisory support on the cluster programme, revision '
         .. revision .. ' under load."}'
      return wrk.format("PATCH", engagement, write_headers, body)
   end
   local body = '{"title": "Interim findings workshop, revision ' .. revision .. '"}'
   return wrk.format("PATCH", engagement .. "/milestones/" .. milestones[i], write_headers, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

local function add(into, counts)
   for key, n in pairs(counts) do
      into[key] = (into[key] or 0) + n
   end
end

function done(summary, latency, requests)
   local all_statuses, all_sent = {}, {}
   for _, thread in ipairs(threads) do
      add(all_statuses, thread:get("statuses"))
      add(all_sent, thread:get("sent"))
   end
   for status, n in pairs(all_statuses) do
      io.write(string.format("mixed status %d %d\n", status, n))
   end
   for kind, n in pairs(all_sent) do
      io.write(string.format("mixed sent %s %d\n", kind, n))
   end
end

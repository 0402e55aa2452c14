-- One benchmarked operation for wrk, chosen by environment variables:
--   BENCH_SYSTEM  modelreg | ceiling | mlflow   (ceiling speaks modelreg's paths)
--   BENCH_OP      create_model | register_version | get_model | get_latest
--                 | list_filtered | merge_metadata
--   BENCH_TOKEN   bearer token (modelreg, ceiling)
--   BENCH_PREFIX  unique prefix for names this run creates
--   BENCH_CKPT    a completed checkpoint uuid (modelreg register_version)
--   BENCH_OUT     file the JSON summary is written to
-- Read targets follow the fixture that bench/fixture.py makes: models
-- fx-{family}-{i:04} for i in 0..FIXTURE_MODELS, the first LATEST_MODELS of
-- them with two versions. Scale runs (BENCH_SCALE_MODELS=N) instead address
-- the seeded models {family}-{team}-{id:07}, id 2..N+1 (see bench-seed).

local system = os.getenv("BENCH_SYSTEM") or "modelreg"
local op = os.getenv("BENCH_OP") or "get_model"
local token = os.getenv("BENCH_TOKEN") or ""
local prefix = os.getenv("BENCH_PREFIX") or "w"
local ckpt = os.getenv("BENCH_CKPT") or ""
local out = os.getenv("BENCH_OUT")
local filter = os.getenv("BENCH_FILTER") or "bert"
local scale_models = tonumber(os.getenv("BENCH_SCALE_MODELS") or "0")

local FIXTURE_MODELS = 1000
local LATEST_MODELS = 100
local FAMILIES4 = { "bert", "resnet", "llama", "whisper" }
local FAMILIES16 = { "bert", "resnet", "llama", "whisper", "vit", "t5", "gpt", "clip",
  "yolo", "unet", "mamba", "xgb", "lstm", "gan", "rnnt", "dino" }
local TEAMS = { "vision", "speech", "search", "ads", "fraud", "robotics", "nlp" }

local function fixture_name(i)
  return string.format("fx-%s-%04d", FAMILIES4[(i % 4) + 1], i)
end

local function seeded_name(id)
  return string.format("%s-%s-%07d", FAMILIES16[(id % 16) + 1],
    TEAMS[(math.floor(id / 16) % 7) + 1], id)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local n = 0
local headers = {}

function init(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
  if system ~= "mlflow" then
    headers["Authorization"] = "Bearer " .. token
  end
  headers["Content-Type"] = "application/json"
end

local function pick_read_model()
  if scale_models > 0 then
    return seeded_name(math.random(2, scale_models + 1))
  end
  return fixture_name(math.random(0, FIXTURE_MODELS - 1))
end

local function pick_latest_model()
  if scale_models > 0 then
    return seeded_name(math.random(2, scale_models + 1))
  end
  return fixture_name(math.random(0, LATEST_MODELS - 1))
end

-- Writes to existing models go to the second half of the fixture, so the
-- read targets stay as they were.
local function pick_write_model()
  return fixture_name(FIXTURE_MODELS / 2 + ((n * 31 + (tid or 0) * 17) % (FIXTURE_MODELS / 2)))
end

local function modelreg_request()
  if op == "create_model" then
    local name = string.format("%s-%d-%d", prefix, tid or 0, n)
    return wrk.format("POST", "/api/v1/models", headers, '{"name":"' .. name .. '"}')
  elseif op == "register_version" then
    return wrk.format("POST", "/api/v1/models/" .. pick_write_model() .. "/versions", headers,
      '{"checkpointUuid":"' .. ckpt .. '"}')
  elseif op == "get_model" then
    return wrk.format("GET", "/api/v1/models/" .. pick_read_model(), headers)
  elseif op == "get_latest" then
    return wrk.format("GET", "/api/v1/models/" .. pick_latest_model()
      .. "/versions?limit=1&orderBy=ORDER_BY_DESC&sortBy=SORT_BY_VERSION", headers)
  elseif op == "list_filtered" then
    return wrk.format("GET", "/api/v1/models?name=" .. urlencode(filter) .. "&limit=100", headers)
  elseif op == "merge_metadata" then
    return wrk.format("POST", "/api/v1/models/" .. pick_write_model() .. "/metadata", headers,
      string.format('{"add":{"k%d":%d}}', n % 10, n))
  end
  error("unknown BENCH_OP " .. op)
end

local API = "/api/2.0/mlflow/"

local function mlflow_request()
  if op == "create_model" then
    local name = string.format("%s-%d-%d", prefix, tid or 0, n)
    return wrk.format("POST", API .. "registered-models/create", headers, '{"name":"' .. name .. '"}')
  elseif op == "register_version" then
    return wrk.format("POST", API .. "model-versions/create", headers,
      '{"name":"' .. pick_write_model() .. '","source":"s3://bench/checkpoint"}')
  elseif op == "get_model" then
    return wrk.format("GET", API .. "registered-models/get?name=" .. pick_read_model(), headers)
  elseif op == "get_latest" then
    return wrk.format("POST", API .. "registered-models/get-latest-versions", headers,
      '{"name":"' .. pick_latest_model() .. '"}')
  elseif op == "list_filtered" then
    return wrk.format("GET", API .. "registered-models/search?max_results=100&filter="
      .. urlencode("name ILIKE '%" .. filter .. "%'"), headers)
  elseif op == "merge_metadata" then
    return wrk.format("POST", API .. "registered-models/set-tag", headers,
      string.format('{"name":"%s","key":"k%d","value":"%d"}', pick_write_model(), n % 10, n))
  end
  error("unknown BENCH_OP " .. op)
end

function request()
  n = n + 1
  if system == "mlflow" then
    return mlflow_request()
  end
  return modelreg_request()
end

function done(summary, latency, requests)
  local e = summary.errors
  local line = string.format(
    '{"requests":%d,"duration_us":%d,"rps":%.2f,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"max_us":%d,"mean_us":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout)
  if out then
    local f = assert(io.open(out, "w"))
    f:write(line, "\n")
    f:close()
  end
  io.write(line, "\n")
end

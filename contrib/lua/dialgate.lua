-- dialgate.lua: a Lua 5.1 client of dialgated (Protocol.md, protocol 3), for softswitch hooks
-- (Kamailio's app_lua, FreeSWITCH's mod_lua, any lua5.1 script). Needs lua-socket.
--
--   local dialgate = require("dialgate")
--   dialgate.configure{ socket = "/run/dialgate/dialgate.sock" }
--   local v = dialgate.check("0199000040", "fibre-promo", call_id, 300)
--   if v.head == "ALLOW" then ... dial ... end        -- dial on exactly ALLOW, nothing else
--   dialgate.report_attempt("0199000040", "fibre-promo", v.fields.reservation, "answered", call_id)
--   dialgate.release("0199000040", v.fields.reservation, call_id)   -- the call was not placed
--
-- What it guarantees:
-- * One deadline covers connecting, sending and receiving a CHECK; on any timeout or error the
--   connection is closed, so an answer that comes late can never be read as the answer to the
--   next call. Every request carries an id= that its answer must echo (belt and braces).
-- * Fail closed: check() never raises and never returns ALLOW unless the gate answered ALLOW;
--   any failure is { head = "DENY", word = "gate-unreachable", class = "unavailable", ... }.
-- * Connections are kept per process (per Kamailio worker) and reused; a connection the daemon
--   closed while idle (EOF, EPIPE) is reopened once and the request sent again, within the same
--   deadline (a CHECK repeated under the same key= keeps its place, Protocol.md).
-- * Reports (ATTEMPT, RELEASE) go on a second connection of their own, pipelined: they do not
--   hold the call for the daemon's fsync ("Reporting without holding the call"), and their
--   answers never mix with a CHECK's. They carry key= (the SIP Call-ID), so a report sent
--   again after a lost answer or connection records once; unanswered reports are sent again
--   on the next use of the module (or by flush()).

local socket = require("socket")      -- gettime, sleep (and SIGPIPE ignored)
local unix = require("socket.unix")

local M = {}
M.VERSION = "1.0"

M.config = {
    socket = "/run/dialgate/dialgate.sock",
    deadline_ms = 300,          -- CHECK: connect + send + receive
    report_send_ms = 100,       -- a report's budget to connect and send when not waiting
    report_tries = 5,           -- a report answered class=unavailable is sent again this often
    max_pending = 1000,         -- reports kept for sending again; beyond, the oldest is dropped
    log = function(level, message) io.stderr:write("dialgate ", level, ": ", message, "\n") end,
}

--- Sets configuration keys (socket, deadline_ms, report_send_ms, report_tries, max_pending,
--- log = function(level, message)); a new socket path closes the open connections.
function M.configure(options)
    for key, value in pairs(options or {}) do
        if M.config[key] == nil then error("dialgate.configure: unknown key '" .. tostring(key) .. "'", 2) end
        if key == "socket" and value ~= M.config.socket then M.close() end
        M.config[key] = value
    end
end

local function log(level, message)
    local ok = pcall(M.config.log, level, message)
    if not ok then io.stderr:write("dialgate ", level, ": ", message, "\n") end
end

local now = socket.gettime

---------------------------------------------------------------------------------------------
-- Syntax: quoting requests, parsing answers (Protocol.md, "Syntax" and "A reference parser")
---------------------------------------------------------------------------------------------

local function u_escape(code) return string.format("\\u%04X", code) end

-- Characters that break a line or reorder text, as UTF-8: C0 controls and DEL, C1 controls
-- (U+0080-U+009F, NEL among them), U+061C, U+200E, U+200F, U+2028-U+202E, U+2066-U+2069.
local function escape_hazards(s)
    s = s:gsub("[%z\1-\31\127]", function(c) return u_escape(c:byte()) end)
    s = s:gsub("\194([\128-\159])", function(b) return u_escape(b:byte()) end)
    s = s:gsub("\216\156", "\\u061C")
    s = s:gsub("\226\128([\142\143\168-\174])", function(b) return u_escape(0x2000 + b:byte() - 0x80) end)
    s = s:gsub("\226\129([\166-\169])", function(b) return u_escape(0x2040 + b:byte() - 0x80) end)
    return s
end

local function has_hazard(s)
    return s:find("[%z\1-\31\127]") or s:find("\194[\128-\159]") or s:find("\216\156")
        or s:find("\226\128[\142\143\168-\174]") or s:find("\226\129[\166-\169]")
end

--- A word or value as the protocol writes it: bare when plain, else in double quotes with
--- \" \\ and \uXXXX escapes.
function M.quote(value)
    local s = tostring(value)
    if s ~= "" and not s:find('[ "\\=]') and not has_hazard(s) then return s end
    s = s:gsub('[\\"]', "\\%0")
    return '"' .. escape_hazards(s) .. '"'
end
local quote = M.quote

local function utf8_char(code)
    if code < 0x80 then return string.char(code) end
    if code < 0x800 then return string.char(0xC0 + math.floor(code / 0x40), 0x80 + code % 0x40) end
    return string.char(0xE0 + math.floor(code / 0x1000), 0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

--- Parses one answer line: { head =, word =, class =, fields = { key = value }, words = {...},
--- line = }; nil and a message when the line is not well formed. Unknown fields are kept.
function M.parse(line)
    if type(line) ~= "string" then return nil, "no line" end
    local words, fields = {}, {}
    local i, n = 1, #line
    while i <= n do
        while i <= n and (line:byte(i) == 32 or line:byte(i) == 9) do i = i + 1 end
        if i > n then break end
        local key, buffer, quoted, start = nil, {}, false, i
        while i <= n do
            local c = line:sub(i, i)
            if not quoted and (c == " " or c == "\t") then break end
            if quoted then
                if c == "\\" and i < n then
                    local escaped = line:sub(i + 1, i + 1)
                    if escaped == "u" then
                        local hex = line:sub(i + 2, i + 5)
                        local code = hex:match("^%x%x%x%x$") and tonumber(hex, 16)
                        if not code or (code >= 0xD800 and code <= 0xDFFF) then
                            return nil, "bad \\u escape at character " .. i
                        end
                        buffer[#buffer + 1] = utf8_char(code)
                        i = i + 5
                    else
                        buffer[#buffer + 1] = escaped
                        i = i + 1
                    end
                elseif c == '"' then
                    quoted = false
                else
                    buffer[#buffer + 1] = c
                end
            elseif c == "=" and key == nil then
                if #buffer == 0 then return nil, "empty key at character " .. i end
                key, buffer = table.concat(buffer), {}
            elseif c == '"' and #buffer == 0 then
                quoted = true
            else
                buffer[#buffer + 1] = c
            end
            i = i + 1
        end
        if quoted then return nil, "unterminated quote at character " .. start end
        local text = table.concat(buffer)
        if key then
            if fields[key] == nil then fields[key] = text end
        else
            words[#words + 1] = text
        end
    end
    if not words[1] then return nil, "empty answer" end
    return { head = words[1], word = words[2], class = fields.class, fields = fields, words = words, line = line }
end

--- The verdict every failure gives: fail closed (never ALLOW).
local function unreachable(why)
    return {
        head = "DENY", word = "gate-unreachable", class = "unavailable", error = why,
        fields = { class = "unavailable", message = "dialgate: " .. tostring(why) },
    }
end
M.unreachable = unreachable

--- A key= for a SIP Call-ID: the Call-ID itself when it fits the protocol's 1 to 64
--- characters, else its first 47 bytes, "~" and 16 hex digits of two 32-bit FNV-1a hashes.
function M.key_for(call_id)
    local s = tostring(call_id or "")
    if s == "" then return nil end
    if #s <= 64 then return s end
    local function fnv(text, basis)
        local h = basis
        for k = 1, #text do
            local b, low, x, bit = text:byte(k), h % 256, 0, 1
            for _ = 1, 8 do                                         -- low byte of h xor b
                if (low % 2) ~= (b % 2) then x = x + bit end
                low, b, bit = math.floor(low / 2), math.floor(b / 2), bit * 2
            end
            h = h - h % 256 + x
            h = ((h % 256) * 16777216 + h * 403) % 4294967296       -- h * 16777619 mod 2^32
        end
        return h
    end
    return s:sub(1, 47) .. "~" .. string.format("%08x%08x", fnv(s, 2166136261), fnv(s:reverse(), 2166136261))
end

---------------------------------------------------------------------------------------------
-- Connections
---------------------------------------------------------------------------------------------

local sequence = 0
local function next_id(prefix)
    sequence = sequence + 1
    return prefix .. sequence
end

local function open(deadline)
    local remaining = deadline - now()
    if remaining <= 0 then return nil, "timeout" end
    local sock, err = (unix.stream or unix)()
    if not sock then return nil, err end
    sock:settimeout(remaining)
    local ok, cerr = sock:connect(M.config.socket)
    if not ok then
        sock:close()
        return nil, "connect " .. M.config.socket .. ": " .. tostring(cerr)
    end
    return sock
end

-- Something to read on a connection that expects nothing: the daemon closed it (EOF), or
-- sent what nobody asked for. Either way it is not fit to carry a request. (A receive with a
-- zero timeout, not socket.select: select cannot watch a descriptor above FD_SETSIZE, which
-- a busy FreeSWITCH reaches.)
local function readable(sock)
    sock:settimeout(0)
    local data, err = sock:receive(1)
    return data ~= nil or err ~= "timeout"
end

-- The answer's echoed id (its first field) must be ours; an ERR about a line the daemon could
-- not read may lack it. Returns the parsed answer, or nil and why.
local function parsed_for(line, id)
    local answer, err = M.parse(line)
    if not answer then return nil, "unparsable answer (" .. err .. "): " .. line end
    if answer.fields.id == id or (answer.fields.id == nil and answer.head == "ERR") then return answer end
    return nil, "answer out of step (expected id=" .. id .. "): " .. line
end

local query = { sock = nil }     -- the connection for CHECK (and PLAN, PING)

local function close_query()
    if query.sock then query.sock:close() end
    query.sock = nil
end

-- One request and its answer on the query connection, all within `deadline` (seconds, as
-- socket.gettime). Returns the parsed answer, or nil and why.
local function ask(line, id, deadline)
    for _ = 1, 2 do
        local fresh = false
        if query.sock and readable(query.sock) then close_query() end
        if not query.sock then
            local sock, err = open(deadline)
            if not sock then return nil, err end
            query.sock, fresh = sock, true
        end
        local sock, remaining = query.sock, deadline - now()
        if remaining <= 0 then close_query() return nil, "timeout" end
        sock:settimeout(remaining)
        local sent, err = sock:send(line .. "\n")
        local answer, partial
        if sent then
            remaining = deadline - now()
            if remaining <= 0 then close_query() return nil, "timeout" end
            sock:settimeout(remaining)
            answer, err, partial = sock:receive("*l")
        end
        if answer then
            local verdict, why = parsed_for(answer, id)
            if not verdict then close_query() end
            return verdict, why
        end
        close_query()
        -- Retry only a reused connection that the daemon had closed, before any answer byte.
        if fresh or err ~= "closed" or (partial and partial ~= "") then return nil, err end
    end
    return nil, "closed"
end

--- Sends one query line (CHECK, PLAN, PING...) and returns the parsed answer, or a fail-closed
--- verdict. `deadline_ms` bounds the whole exchange.
function M.request(line, deadline_ms)
    local ok, result = pcall(function()
        deadline_ms = tonumber(deadline_ms) or M.config.deadline_ms
        local deadline = now() + deadline_ms / 1000
        local id = next_id("q")
        local full = line .. " id=" .. id
        if #full > 4000 then return unreachable("request line too long") end
        local verdict, err = ask(full, id, deadline)
        if not verdict then return unreachable(err) end
        return verdict
    end)
    if ok then return result end
    close_query()
    return unreachable("client error: " .. tostring(result))
end

--- The deadline-ms= the gate is given: a little under the hook's own, so that the gate's
--- DENY deadline-exceeded arrives before the hook gives up.
local function gate_deadline(deadline_ms)
    local margin = math.max(10, math.floor(deadline_ms / 5))
    return math.max(1, math.min(60000, math.floor(deadline_ms) - margin))
end

--- May `number` be called now for `campaign`? `key` (the SIP Call-ID) names the reservation
--- an ALLOW takes; `deadline_ms` (default config.deadline_ms) bounds the whole exchange.
--- Returns the answer { head, word, class, fields }; dial ONLY when head == "ALLOW".
function M.check(number, campaign, key, deadline_ms)
    deadline_ms = tonumber(deadline_ms) or M.config.deadline_ms
    if not number or number == "" then return unreachable("no number") end
    if not campaign or campaign == "" then return unreachable("no campaign") end
    local line = "CHECK " .. quote(number) .. " campaign=" .. quote(campaign)
    key = M.key_for(key)
    if key then line = line .. " key=" .. quote(key) end
    line = line .. " deadline-ms=" .. gate_deadline(deadline_ms)
    return M.request(line, deadline_ms)
end

---------------------------------------------------------------------------------------------
-- Reports: pipelined on a connection of their own, sent again until answered
---------------------------------------------------------------------------------------------

-- queue holds the reports not yet answered, oldest first: the `inflight` first were sent on
-- `sock` and wait for their answers (which come in order), the others wait to be sent.
local reports = { sock = nil, partial = nil, queue = {}, inflight = 0 }

local function lose_reports(why)
    if reports.sock then reports.sock:close() end
    if reports.inflight > 0 then
        log("warning", "report connection lost (" .. tostring(why) .. "); " .. reports.inflight .. " report(s) will be sent again")
    end
    reports.sock, reports.partial, reports.inflight = nil, nil, 0
end

local function settle(line)
    local entry = reports.queue[1]
    local answer, why = parsed_for(line, entry.id)
    if not answer then
        lose_reports(why)
        return
    end
    table.remove(reports.queue, 1)
    reports.inflight = reports.inflight - 1
    if answer.head == "OK" then
        entry.done, entry.answer = true, answer
    elseif answer.class == "unavailable" and entry.tries < M.config.report_tries then
        entry.not_before = now() + 0.2 * entry.tries
        entry.id = next_id("r")
        reports.queue[#reports.queue + 1] = entry
        log("warning", "report not recorded, will send again: " .. entry.line .. " -> " .. line)
    else
        entry.done, entry.answer = true, answer
        log("error", "report refused: " .. entry.line .. " -> " .. line)
    end
end

-- Reads the answers that arrive before `deadline` (none waited for when it has passed).
local function read_reports(deadline, finished)
    while reports.sock and reports.inflight > 0 do
        if finished and finished() then return end
        local remaining = deadline - now()
        reports.sock:settimeout(remaining > 0 and remaining or 0)
        local line, err, partial = reports.sock:receive("*l", reports.partial)
        if line then
            reports.partial = nil
            settle(line)
        elseif err == "timeout" then
            reports.partial = partial
            return
        else
            lose_reports(err)
            return
        end
    end
end

-- Sends the reports waiting to be sent (those due), reconnecting once if needed.
local function send_reports(deadline)
    for _ = 1, 2 do
        local batch, count, t = {}, 0, now()
        for k = reports.inflight + 1, #reports.queue do
            local entry = reports.queue[k]
            if (entry.not_before or 0) > t then break end
            batch[#batch + 1] = entry.line .. " id=" .. entry.id .. "\n"
            count = count + 1
        end
        if count == 0 then return end
        if reports.sock and reports.inflight == 0 and readable(reports.sock) then lose_reports("closed while idle") end
        local fresh = false
        if not reports.sock then
            local sock, err = open(deadline)
            if not sock then
                log("warning", "reports not sent yet: " .. tostring(err))
                return
            end
            reports.sock, fresh = sock, true
        end
        local remaining = deadline - now()
        reports.sock:settimeout(remaining > 0.01 and remaining or 0.01)
        local sent, err = reports.sock:send(table.concat(batch))
        if sent then
            reports.inflight = reports.inflight + count
            for k = reports.inflight - count + 1, reports.inflight do reports.queue[k].tries = reports.queue[k].tries + 1 end
            return
        end
        -- Part of the batch may have been read by the daemon: send all again, keyed, on a new connection.
        lose_reports(err)
        if fresh then return end
    end
end

-- Reads the answers already there, sends what is due, then, until `finished()` or the
-- deadline, waits for answers and sends again what must be sent again.
local function pump(deadline, finished)
    read_reports(now(), nil)
    send_reports(deadline)
    while finished and not finished() and now() < deadline do
        if reports.inflight > 0 then
            read_reports(deadline, finished)
        else
            -- nothing in flight: what waits is due later, or the daemon cannot be reached yet
            socket.sleep(math.min(0.05, math.max(0, deadline - now())))
            send_reports(deadline)
        end
    end
end

--- Queues one report line and sends it (with those still unanswered). With `wait_ms`, waits
--- that long for its answer; returns its parsed answer, or { class = "pending" } when it is
--- still on its way (it will be sent again on the next use of the module).
function M.report(line, wait_ms)
    local ok, result = pcall(function()
        local entry = { line = line, id = next_id("r"), tries = 0 }
        if #reports.queue - reports.inflight >= M.config.max_pending then
            local dropped = table.remove(reports.queue, reports.inflight + 1)
            log("error", "report queue full, dropped (its place counts as an attempt): " .. dropped.line)
        end
        reports.queue[#reports.queue + 1] = entry
        wait_ms = tonumber(wait_ms) or 0
        local deadline = now() + math.max(wait_ms, M.config.report_send_ms) / 1000
        pump(deadline, wait_ms > 0 and function() return entry.done end or nil)
        if entry.done then return entry.answer end
        return { head = "PENDING", class = "pending", fields = { class = "pending" } }
    end)
    if ok then return result end
    lose_reports("client error: " .. tostring(result))
    return { head = "PENDING", class = "pending", error = tostring(result), fields = { class = "pending" } }
end

--- ATTEMPT: the call was placed; `outcome` is answered, busy, no-answer, failed or refused.
function M.report_attempt(number, campaign, reservation, outcome, key, wait_ms)
    local line = "ATTEMPT " .. quote(number) .. " campaign=" .. quote(campaign)
    if reservation and reservation ~= "" then line = line .. " reservation=" .. quote(reservation) end
    if outcome and outcome ~= "" then line = line .. " outcome=" .. quote(outcome) end
    key = M.key_for(key)
    if key then line = line .. " key=" .. quote(key) end
    return M.report(line, wait_ms)
end

--- RELEASE: the call allowed under `reservation` was not placed; frees its place.
function M.release(number, reservation, key, wait_ms)
    local line = "RELEASE " .. quote(number) .. " reservation=" .. quote(reservation)
    key = M.key_for(key)
    if key then line = line .. " key=" .. quote(key) end
    return M.report(line, wait_ms)
end

--- Sends what is waiting and reads answers for up to `wait_ms`; returns how many reports
--- are still unanswered.
function M.flush(wait_ms)
    local ok = pcall(function()
        pump(now() + (tonumber(wait_ms) or 0) / 1000, function() return #reports.queue == 0 end)
    end)
    if not ok then lose_reports("client error") end
    return #reports.queue
end

--- How many reports are not answered yet.
function M.pending() return #reports.queue end

--- Closes both connections (reports still queued are sent on a new one later).
function M.close()
    close_query()
    lose_reports("closed by the client")
end

return M

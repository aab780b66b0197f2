-- dialgate-kemi.lua: Kamailio KEMI routing (app_lua, Lua 5.1) that asks dialgated before
-- every outbound call. Loaded by contrib/kamailio/kamailio.cfg; settings are that file's
-- DIALGATE_* defines, read here once per worker.
--
-- For each initial INVITE: the transaction is created first (t_newtran: retransmissions are
-- absorbed while the gate is asked), then
--   CHECK <R-URI user> campaign=<X-Campaign or DIALGATE_CAMPAIGN> key=<Call-ID>~<CSeq> deadline-ms=...
--   ALLOW                    -> relayed (t_relay); number, campaign, reservation and key are
--                               kept in the transaction (AVPs) for the report
--   DENY, class denied|later -> 403, with Reason, Warning, X-Dialgate-Class (and X-Dialgate-Next)
--   anything else            -> 503: gate unreachable, too slow, class=unavailable, ERR, an
--                               answer not understood (fail closed)
-- and, for a relayed call, on its final response:
--   ATTEMPT <number> campaign=<c> reservation=<r> outcome=<o> key=<Call-ID>~<CSeq>
--   outcome: 2xx answered; 486, 600 busy; 408, 480, 487 no-answer; 603 refused; others failed
-- or, when the INVITE could not be relayed at all, was cancelled during the check, or was
-- challenged (401, 407) by the trunk before anything rang:
--   RELEASE <number> reservation=<r> key=<Call-ID>~<CSeq>
-- Reports are pipelined on a connection of their own (the SIP answer does not wait for the
-- daemon's fsync) and sent again under the same key until answered.

local dialgate        -- the client module, loaded on first use (after the worker forked)
local settings        -- from the cfg defines

local function define(name, default)
    local value = KSR.pv.get("$def(" .. name .. ")")
    if value == nil then return default end
    value = tostring(value):gsub('^"(.*)"$', "%1")
    return value
end

local function init()
    if settings then return end
    settings = {
        socket = define("DIALGATE_SOCKET", "/run/dialgate/dialgate.sock"),
        campaign = define("DIALGATE_CAMPAIGN", "default"),
        deadline_ms = tonumber(define("DIALGATE_DEADLINE_MS", "300")) or 300,
        trunk = define("DIALGATE_TRUNK", ""),
        lua_dir = define("DIALGATE_LUA_DIR", "/usr/local/share/lua/5.1"),
    }
    package.path = settings.lua_dir .. "/?.lua;" .. package.path
    local ok, module = pcall(require, "dialgate")
    if not ok then
        -- Every INVITE is refused 503 until this is fixed (and Kamailio restarted).
        KSR.err("dialgate: cannot load the client module from " .. settings.lua_dir .. ": " .. tostring(module) .. "\n")
        return
    end
    dialgate = module
    local levels = { error = "err", warning = "warn", info = "info" }
    dialgate.configure {
        socket = settings.socket,
        deadline_ms = settings.deadline_ms,
        log = function(level, message) KSR.log(levels[level] or "info", "dialgate: " .. message .. "\n") end,
    }
end

-- Text for a header value: one line, no control characters; `quoted` also drops " and \.
local function header_text(value, quoted)
    local text = tostring(value or ""):gsub("[%z\1-\31\127]", " ")
    if quoted then text = text:gsub('["\\]', "'") end
    return text
end

local function kept(name) return KSR.pv.get("$avp(" .. name .. ")") end

local function relay_reply_error()
    KSR.tm.t_reply(500, "Server Internal Error")
end

-- The gate said no, or could not say yes: 403 or 503 with the reason in the headers.
local function refuse(verdict)
    local denied = verdict.head == "DENY" and (verdict.class == "denied" or verdict.class == "later")
    local code, phrase = 503, "Service Unavailable"
    if denied then code, phrase = 403, "Forbidden" end
    local reason = verdict.word or verdict.head or "unknown"
    local class = verdict.class or "unavailable"
    local fields = verdict.fields or {}
    local warning = (verdict.head or "?") .. " " .. reason .. " class=" .. class
    if fields.rule then warning = warning .. " rule=" .. fields.rule end
    if fields.message then warning = warning .. ": " .. fields.message end
    KSR.hdr.append_to_reply('Reason: dialgate;cause=' .. code .. ';text="' .. header_text(reason, true) .. '"\r\n')
    KSR.hdr.append_to_reply('Warning: 399 dialgate "' .. header_text(warning, true) .. '"\r\n')
    KSR.hdr.append_to_reply("X-Dialgate-Class: " .. header_text(class) .. "\r\n")
    if fields.next and fields.next ~= "" then
        KSR.hdr.append_to_reply("X-Dialgate-Next: " .. header_text(fields.next) .. "\r\n")
    end
    KSR.tm.t_reply(code, phrase)
end

-- The call allowed under the kept reservation was not placed: free its place.
local function release_kept()
    local reservation = kept("dg_reservation")
    if reservation and reservation ~= "" then
        dialgate.release(kept("dg_number"), reservation, kept("dg_key"))
    end
end

local function gate_invite()
    local number = KSR.pv.get("$(rU{s.unescape.user})") or ""
    local campaign = KSR.hdr.get("X-Campaign")
    campaign = campaign and campaign:match("^%s*(.-)%s*$") or ""
    if campaign == "" then campaign = settings.campaign end
    -- The key names this INVITE's reservation and its report: the Call-ID and the CSeq number,
    -- since an INVITE sent again after a 401/407 challenge keeps its Call-ID (RFC 3261 22.2),
    -- and the gate refuses a CHECK whose key names a call already reported (key-conflict).
    -- Retransmissions, same CSeq, never get here: the transaction absorbs them.
    local key = (KSR.pv.get("$ci") or "") .. "~" .. tostring(KSR.pv.get("$cs") or "")

    -- The transaction exists before the blocking query: retransmissions of this INVITE (in any
    -- worker) are absorbed by it, so one call is one decision.
    if KSR.tm.t_newtran() < 0 then
        KSR.sl.sl_reply_error()
        return
    end
    KSR.tm.t_reply(100, "Trying")

    if not dialgate then
        refuse({ head = "DENY", word = "gate-unreachable", class = "unavailable", fields = { message = "client module not loaded" } })
        return
    end
    local verdict = dialgate.check(number, campaign, key, settings.deadline_ms)
    if verdict.head ~= "ALLOW" then
        KSR.info("dialgate: " .. number .. " campaign=" .. campaign .. " refused: "
            .. (verdict.line or (verdict.word .. " (" .. tostring(verdict.error) .. ")")) .. "\n")
        refuse(verdict)
        return
    end

    -- Kept in the transaction for the reply and failure routes.
    KSR.pv.sets("$avp(dg_number)", verdict.fields.number or number)
    KSR.pv.sets("$avp(dg_campaign)", campaign)
    KSR.pv.sets("$avp(dg_reservation)", verdict.fields.reservation or "")
    KSR.pv.sets("$avp(dg_key)", dialgate.key_for(key) or "")
    KSR.pv.sets("$avp(dg_reported)", "")

    if KSR.tm.t_is_canceled() > 0 then
        -- The caller gave up while the gate was asked: the call is not placed.
        release_kept()
        KSR.tm.t_reply(487, "Request Terminated")
        return
    end
    KSR.hdr.remove("X-Campaign")
    KSR.rr.record_route()
    if settings.trunk ~= "" then KSR.setdsturi(settings.trunk) end
    KSR.tm.t_on_reply("ksr_dialgate_reply")
    KSR.tm.t_on_failure("ksr_dialgate_failure")
    if KSR.tm.t_relay() < 0 then
        release_kept()
        relay_reply_error()
    end
end

function ksr_request_route()
    init()
    if KSR.maxfwd.process_maxfwd(10) < 0 then
        KSR.sl.sl_send_reply(483, "Too Many Hops")
        return 1
    end
    -- A keep-alive for the proxy itself.
    if KSR.is_OPTIONS() and KSR.corex.has_ruri_user() < 0 and KSR.is_myself_ruri() then
        KSR.sl.sl_send_reply(200, "OK")
        return 1
    end
    if KSR.is_CANCEL() then
        if KSR.tm.t_check_trans() > 0 then KSR.tm.t_relay() end
        return 1
    end
    -- Retransmissions, also of an INVITE whose gate query is still running in another worker.
    if not KSR.is_ACK() then
        if KSR.tmx.t_precheck_trans() > 0 then
            KSR.tm.t_check_trans()
            return 1
        end
        if KSR.tm.t_check_trans() == 0 then return 1 end
    end
    -- Requests within a dialog follow the route set.
    if KSR.siputils.has_totag() > 0 then
        if KSR.rr.loose_route() > 0 then
            if KSR.tm.t_relay() < 0 then KSR.sl.sl_reply_error() end
        elseif KSR.is_ACK() then
            if KSR.tm.t_check_trans() > 0 then KSR.tm.t_relay() end
        else
            KSR.sl.sl_send_reply(404, "Not here")
        end
        return 1
    end
    KSR.hdr.remove("Route")
    if KSR.is_INVITE() then
        -- An error in the hook refuses the call (fail closed): it is never relayed unchecked.
        local ok, err = pcall(gate_invite)
        if not ok then
            KSR.err("dialgate: hook error, refusing the call: " .. tostring(err) .. "\n")
            if KSR.tm.t_reply(503, "Service Unavailable") < 0 then KSR.sl.sl_send_reply(503, "Service Unavailable") end
        end
        return 1
    end
    if KSR.is_ACK() then return 1 end
    -- Anything else out of dialog is not a call: relayed as it is, ungated.
    if settings.trunk ~= "" then KSR.setdsturi(settings.trunk) end
    if KSR.tm.t_relay() < 0 then KSR.sl.sl_reply_error() end
    return 1
end

local function outcome_for(code, timed_out)
    if code >= 200 and code < 300 then return "answered" end
    if code == 486 or code == 600 then return "busy" end
    if code == 408 or code == 480 or code == 487 or timed_out then return "no-answer" end
    if code == 603 then return "refused" end
    return "failed"
end

-- Sends the ATTEMPT for a relayed call once (a report repeated under its key records once
-- anyway, but there is no need to send one per retransmitted 200).
local function report(code, timed_out)
    init()      -- a worker's first message may be a reply
    if not dialgate or kept("dg_reported") == "yes" or not kept("dg_number") then return end
    KSR.pv.sets("$avp(dg_reported)", "yes")
    local reservation = kept("dg_reservation")
    dialgate.report_attempt(kept("dg_number"), kept("dg_campaign"), reservation ~= "" and reservation or nil,
        outcome_for(code, timed_out), kept("dg_key"))
end

-- Every reply to a relayed INVITE; a 2xx is final at once (a negative one goes to the failure route).
function ksr_dialgate_reply()
    local code = tonumber(KSR.pv.get("$rs")) or 0
    if code >= 200 and code < 300 then
        local ok, err = pcall(report, code, false)
        if not ok then KSR.err("dialgate: report failed: " .. tostring(err) .. "\n") end
    end
    return 1
end

-- The final negative answer of a relayed INVITE, received or made by tm (408 on timeout).
-- A 401 or 407 is the trunk asking for credentials before it routes the call: nothing rang,
-- the place is freed (the dialer's INVITE with credentials is a new CSeq, checked anew).
function ksr_dialgate_failure()
    local code = tonumber(KSR.pv.get("$T_reply_code")) or 0
    local ok, err
    if code == 401 or code == 407 then
        ok, err = pcall(function()
            init()
            if dialgate and kept("dg_reported") ~= "yes" then
                KSR.pv.sets("$avp(dg_reported)", "yes")
                release_kept()
            end
        end)
    else
        ok, err = pcall(report, code, KSR.tm.t_branch_timeout() > 0)
    end
    if not ok then KSR.err("dialgate: report failed: " .. tostring(err) .. "\n") end
    return 1
end

-- Replies not matched to a transaction (retransmitted 2xx after the transaction ended).
function ksr_reply_route()
    return 1
end

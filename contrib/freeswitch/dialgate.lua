-- contrib/freeswitch/dialgate.lua: asks dialgated before FreeSWITCH places an outbound call,
-- and reports what became of it (contrib/freeswitch/README.md).
--
-- In the dialplan, before the bridge:
--   <action application="set" data="dialgate_campaign=fibre-promo"/>   (else the default below)
--   <action application="lua" data="dialgate.lua"/>
--   <action application="bridge" data="sofia/gateway/trunk/${destination_number}"/>
--
-- As a dialplan action (a session): CHECK <destination_number> campaign=<dialgate_campaign or
-- the default> key=<uuid>. It sets dialgate_verdict (ALLOW, DENY), dialgate_reason (the
-- gate's word), dialgate_class and dialgate_next (when the gate gave next=). Then:
--   ALLOW: sets dialgate_reservation and dialgate_number, arms the hangup report
--          (api_hangup_hook=lua dialgate.lua hangup) and returns: the dialplan goes on.
--   DENY class denied or later: hangs up CALL_REJECTED.
--   anything else (the gate unreachable, too slow, class=unavailable, an ERR): hangs up
--          NORMAL_TEMPORARY_FAILURE. Fail closed: only ALLOW lets the dialplan go on.
-- As the hangup hook (`lua dialgate.lua hangup`, no session; the channel's variables in env):
--   the bridge happened (bridge_hangup_cause set): ATTEMPT ... outcome=answered;
--   it was tried and failed (originate_disposition, else hangup_cause): ATTEMPT with
--     busy (USER_BUSY), no-answer (NO_ANSWER, NO_USER_RESPONSE, ORIGINATOR_CANCEL, timeouts),
--     refused (CALL_REJECTED), failed (any other cause);
--   no bridge was tried (the caller hung up first): RELEASE of the reservation.
--   A dialplan may set dialgate_outcome itself to override the mapping.
-- Reports carry key=<uuid>: sent again, they record once.

-- Settings: the defaults here; a global or channel variable of the same name wins
-- (vars.xml: <X-PRE-PROCESS cmd="set" data="dialgate_socket=/run/dialgate/dialgate.sock"/>).
local defaults = {
    dialgate_socket = "/run/dialgate/dialgate.sock",
    dialgate_default_campaign = "default",
    dialgate_deadline_ms = "300",          -- connect + send + receive of the CHECK
    dialgate_report_wait_ms = "2000",      -- how long the hangup hook waits for the OK
    -- where contrib/lua/dialgate.lua (the client module, also named dialgate.lua) is installed
    dialgate_lua_dir = "/usr/local/share/lua/5.1",
    -- how the hangup hook calls this script back
    dialgate_hook = "lua dialgate.lua hangup",
}

local function script_dir()
    local source = debug.getinfo(1, "S").source or ""
    return source:match("^@(.*)/[^/]*$") or "."
end

-- The client module. This script has the module's name, so it is looked up in the settings'
-- directory and next to this script in a checkout (../lua), never in this script's own
-- directory; the guard catches a module path that finds this script again.
local function load_module(lua_dir)
    package.path = lua_dir .. "/?.lua;" .. script_dir() .. "/../lua/?.lua;" .. package.path
    local ok, module = pcall(require, "dialgate")
    if not ok or type(module) ~= "table" or type(module.check) ~= "function" then
        package.loaded.dialgate = nil
        return nil, "cannot load the dialgate client module from " .. lua_dir .. ": " .. tostring(module)
    end
    return module
end

local function log(level, message)
    freeswitch.consoleLog(level, "dialgate: " .. message .. "\n")
end

local levels = { error = "ERR", warning = "WARNING", info = "INFO" }

local function configured(dialgate, setting)
    dialgate.configure {
        socket = setting("dialgate_socket"),
        deadline_ms = tonumber(setting("dialgate_deadline_ms")) or 300,
        log = function(level, message) log(levels[level] or "INFO", message) end,
    }
    return dialgate
end

local function nonempty(value)
    if value == nil or value == "" or value == "_undef_" then return nil end
    return value
end

---------------------------------------------------------------------------------------------
-- Before the bridge: the CHECK
---------------------------------------------------------------------------------------------

local function gate_call(session)
    local function setting(name)
        return nonempty(session:getVariable(name)) or nonempty(freeswitch.getGlobalVariable(name)) or defaults[name]
    end
    if session.ready and not session:ready() then return end       -- nothing to place any more

    local number = nonempty(session:getVariable("destination_number")) or ""
    local campaign = nonempty(session:getVariable("dialgate_campaign")) or setting("dialgate_default_campaign")
    local uuid = nonempty(session:getVariable("uuid")) or (session.get_uuid and session:get_uuid()) or ""

    local dialgate, err = load_module(setting("dialgate_lua_dir"))
    local verdict
    if dialgate then
        configured(dialgate, setting)
        verdict = dialgate.check(number, campaign, uuid, tonumber(setting("dialgate_deadline_ms")))
    else
        log("ERR", err)
        verdict = { head = "DENY", word = "gate-unreachable", class = "unavailable", fields = {}, error = err }
    end
    local fields = verdict.fields or {}
    session:setVariable("dialgate_verdict", verdict.head or "")
    session:setVariable("dialgate_reason", verdict.word or "")
    session:setVariable("dialgate_class", verdict.class or "")
    session:setVariable("dialgate_next", fields.next or "")

    if verdict.head == "ALLOW" then
        session:setVariable("dialgate_reservation", fields.reservation or "")
        session:setVariable("dialgate_number", fields.number or number)
        session:setVariable("dialgate_checked_campaign", campaign)
        session:setVariable("dialgate_key", dialgate.key_for(uuid) or "")
        session:setVariable("api_hangup_hook", setting("dialgate_hook"))
        log("INFO", number .. " campaign=" .. campaign .. " allowed: " .. (verdict.line or "ALLOW"))
        dialgate.close()
        return
    end

    local denied = verdict.head == "DENY" and (verdict.class == "denied" or verdict.class == "later")
    local cause = denied and "CALL_REJECTED" or "NORMAL_TEMPORARY_FAILURE"
    log(denied and "NOTICE" or "WARNING", number .. " campaign=" .. campaign .. " refused (" .. cause .. "): "
        .. (verdict.line or ((verdict.word or "?") .. " " .. tostring(verdict.error))))
    if dialgate then dialgate.close() end
    session:hangup(cause)
end

---------------------------------------------------------------------------------------------
-- After the call: the report (api_hangup_hook, no session; the channel's variables in env)
---------------------------------------------------------------------------------------------

local no_answer = {
    NO_ANSWER = true, NO_USER_RESPONSE = true, ORIGINATOR_CANCEL = true, ALLOTTED_TIMEOUT = true,
    PROGRESS_TIMEOUT = true, RECOVERY_ON_TIMER_EXPIRE = true,
}

--- The outcome of a call from its channel variables, or nil when no bridge was tried.
local function outcome_of(var)
    local explicit = nonempty(var("dialgate_outcome"))
    if explicit then return explicit end
    if nonempty(var("bridge_hangup_cause")) or nonempty(var("last_bridge_to")) then return "answered" end
    local disposition = nonempty(var("originate_disposition"))
    if not disposition then return nil end
    if disposition == "SUCCESS" or disposition == "ANSWER" then return "answered" end
    local cause = disposition
    if cause == "USER_BUSY" then return "busy" end
    if no_answer[cause] then return "no-answer" end
    if cause == "CALL_REJECTED" then return "refused" end
    return "failed"
end

local function report_hangup(env)
    local function var(name)
        return nonempty(env:getHeader(name)) or nonempty(env:getHeader("variable_" .. name))
    end
    local function setting(name)
        return var(name) or nonempty(freeswitch.getGlobalVariable(name)) or defaults[name]
    end
    local number, reservation, key = var("dialgate_number"), var("dialgate_reservation"), var("dialgate_key")
    if not number then return end                                   -- not a call this script allowed
    local campaign = var("dialgate_checked_campaign") or setting("dialgate_default_campaign")
    local dialgate, err = load_module(setting("dialgate_lua_dir"))
    if not dialgate then
        log("ERR", err .. "; not reported: " .. number)
        return
    end
    configured(dialgate, setting)
    local wait = tonumber(setting("dialgate_report_wait_ms")) or 2000
    local outcome = outcome_of(var)
    local answer, what
    if outcome then
        what = "ATTEMPT outcome=" .. outcome
        answer = dialgate.report_attempt(number, campaign, reservation, outcome, key, wait)
    elseif reservation then
        what = "RELEASE"
        answer = dialgate.release(number, reservation, key, wait)
    else
        return
    end
    if answer.head == "OK" then
        log("INFO", number .. " reported: " .. what .. " (hangup_cause=" .. tostring(var("hangup_cause")) .. ")")
    else
        -- Not recorded: an unreported place counts as an attempt after 10 minutes (the safe error).
        log("ERR", number .. " " .. what .. " not recorded: " .. (answer.line or answer.class or "?"))
    end
    dialgate.close()
end

if argv and argv[1] == "hangup" then
    if not env then
        log("ERR", "hangup mode without env: run it from api_hangup_hook")
    else
        local ok, err = pcall(report_hangup, env)
        if not ok then log("ERR", "hangup report failed: " .. tostring(err)) end
    end
elseif session then
    -- An error must not let the dialplan go on to the bridge: it hangs up (fail closed).
    local ok, err = pcall(gate_call, session)
    if not ok then
        log("ERR", "check failed, hanging up: " .. tostring(err))
        pcall(function()
            session:setVariable("dialgate_verdict", "DENY")
            session:setVariable("dialgate_reason", "hook-error")
            session:setVariable("dialgate_class", "unavailable")
        end)
        session:hangup("NORMAL_TEMPORARY_FAILURE")
    end
else
    log("ERR", "dialgate.lua runs as a dialplan lua action (a session) or as `lua dialgate.lua hangup` from api_hangup_hook")
end

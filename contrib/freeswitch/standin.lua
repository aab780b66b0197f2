-- standin.lua: runs contrib/freeswitch/dialgate.lua without FreeSWITCH, with a stand-in for
-- the parts of mod_lua's API it uses (session:getVariable, setVariable, hangup, ready,
-- get_uuid; freeswitch.consoleLog, getGlobalVariable; env:getHeader; argv). For the tests,
-- and to try a configuration by hand against a real dialgated:
--
--   lua5.1 contrib/freeswitch/standin.lua contrib/freeswitch/dialgate.lua \
--       global:dialgate_socket=/run/dialgate/dialgate.sock \
--       var:destination_number=0199000040 var:dialgate_campaign=fibre-promo var:uuid=3f1c...
--   lua5.1 contrib/freeswitch/standin.lua contrib/freeswitch/dialgate.lua mode=hangup \
--       env:dialgate_number=+33199000040 env:dialgate_reservation=3f1c... env:bridge_hangup_cause=NORMAL_CLEARING ...
--
-- It prints what the script did, one line each, in order:
--   SET <name>=<value>      a channel variable set
--   HANGUP <cause>          session:hangup
--   LOG <level> <message>   freeswitch.consoleLog
-- and last `DONE` (or `ERROR <message>`, exit status 1, if the script raised an error).

local script = arg[1]
if not script then
    io.stderr:write("usage: standin.lua SCRIPT [mode=hangup] [var:NAME=VALUE] [global:NAME=VALUE] [env:NAME=VALUE]...\n")
    os.exit(2)
end

local variables, globals, headers, mode = {}, {}, {}, "session"
for k = 2, #arg do
    local kind, name, value = arg[k]:match("^(%a+):([^=]+)=(.*)$")
    if kind == "var" then
        variables[name] = value
    elseif kind == "global" then
        globals[name] = value
    elseif kind == "env" then
        headers[name] = value
    elseif arg[k]:match("^mode=") then
        mode = arg[k]:sub(6)
    else
        io.stderr:write("standin.lua: cannot read argument '" .. arg[k] .. "'\n")
        os.exit(2)
    end
end

local function emit(line)
    io.stdout:write(line, "\n")
    io.stdout:flush()
end

local Session = {}
Session.__index = Session
function Session:getVariable(name)
    local value = variables[name]
    if value == nil then value = globals[name] end      -- FreeSWITCH falls back to globals too
    return value
end
function Session:setVariable(name, value)
    variables[name] = value
    emit("SET " .. name .. "=" .. tostring(value))
end
function Session:hangup(cause)
    self.hung_up = true
    emit("HANGUP " .. tostring(cause or "NORMAL_CLEARING"))
end
function Session:ready() return not self.hung_up end
function Session:get_uuid() return variables.uuid end

freeswitch = {
    consoleLog = function(level, message)
        emit("LOG " .. tostring(level) .. " " .. tostring(message):gsub("\n$", ""))
    end,
    getGlobalVariable = function(name) return globals[name] end,
}

if mode == "hangup" then
    env = { getHeader = function(_, name) return headers[name] end }
    argv = { [0] = script, "hangup" }
else
    session = setmetatable({}, Session)
    argv = { [0] = script }
end

local ok, err = pcall(dofile, script)
if not ok then
    emit("ERROR " .. tostring(err))
    os.exit(1)
end
emit("DONE")

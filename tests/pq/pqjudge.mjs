// An independent judge of secretops' post-quantum age layer: the reference implementation of age
// (npm age-encryption) and Node's own AES-GCM. Input and output are JSON on stdin/stdout; keys never
// travel in argv.
//   {"op":"keygen"}                                  -> {"identity","recipient"}
//   {"op":"recipient","identity"}                    -> {"recipient"}
//   {"op":"encrypt","recipients":[...],"hex"}        -> {"armored"}
//   {"op":"open","identity","armored"}               -> {"hex"} (throws if it does not open)
//   {"op":"sops","identities":[...],"doc":{...}}     -> {"opened":[recipients],"values":{path: text},"datakey":hex}
//   {"op":"datakeys","identities":[...],"doc":{...}} -> {"x25519":[hex…],"pq":[hex…]}: what each kind of stanza wraps
// "sops" opens every mlkem768x25519 stanza of a sops file (given as JSON) that one of the identities
// can open, requires them all to yield one data key, and decrypts every ENC[AES256_GCM,…] value with it
// (AAD: the key path joined by ':' plus a trailing ':'), and the MAC with lastmodified as AAD.
import { Decrypter, Encrypter, armor, generateHybridIdentity, identityToRecipient } from "age-encryption";
import { webcrypto } from "node:crypto";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
}));

const hex = (b) => Buffer.from(b).toString("hex");

async function open(identity, armored) {
  const d = new Decrypter();
  d.addIdentity(identity);
  return await d.decrypt(armor.decode(armored));
}

async function gcm(key, value, aad) {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/.exec(value);
  if (!m) throw new Error("not a sops value");
  const [data, iv, tag] = [m[1], m[2], m[3]].map((s) => Buffer.from(s, "base64"));
  const k = await webcrypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
  const plain = await webcrypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: Buffer.from(aad), tagLength: 128 },
    k, Buffer.concat([data, tag]));
  return Buffer.from(plain).toString("utf8");
}

function* leaves(node, path) {
  if (Array.isArray(node)) { for (const item of node) yield* leaves(item, path); return; }
  if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (path.length === 0 && k === "sops") continue;
      yield* leaves(v, [...path, k]);
    }
    return;
  }
  if (typeof node === "string" && node.startsWith("ENC[AES256_GCM,")) yield [path, node];
}

async function judgeSops(identities, doc) {
  const stanzas = (doc.sops && doc.sops.age) || [];
  const keys = new Set();
  const opened = [];
  for (const s of stanzas) {
    if (!s.recipient.startsWith("age1pq1")) continue;
    for (const id of identities) {
      try {
        keys.add(hex(await open(id, s.enc)));
        opened.push(s.recipient);
        break;
      } catch { /* not this identity's stanza */ }
    }
  }
  if (keys.size !== 1) throw new Error(`the PQ stanzas yield ${keys.size} data keys`);
  const key = Buffer.from([...keys][0], "hex");
  const values = {};
  for (const [path, value] of leaves(doc, [])) {
    values[path.join(":")] = await gcm(key, value, path.map((p) => p + ":").join(""));
  }
  const mac = await gcm(key, doc.sops.mac, doc.sops.lastmodified);
  return { opened, values, mac, datakey: [...keys][0] };
}

async function dataKeys(identities, doc) {
  const out = { x25519: [], pq: [] };
  for (const s of (doc.sops && doc.sops.age) || []) {
    for (const id of identities) {
      try {
        const key = hex(await open(id, s.enc));
        out[s.recipient.startsWith("age1pq1") && s.recipient.length > 62 ? "pq" : "x25519"].push(key);
        break;
      } catch { /* not this identity's stanza */ }
    }
  }
  return out;
}

let out;
switch (input.op) {
  case "keygen": {
    const identity = await generateHybridIdentity();
    out = { identity, recipient: await identityToRecipient(identity) };
    break;
  }
  case "recipient":
    out = { recipient: await identityToRecipient(input.identity) };
    break;
  case "encrypt": {
    const e = new Encrypter();
    for (const r of input.recipients) e.addRecipient(r);
    out = { armored: armor.encode(await e.encrypt(Buffer.from(input.hex, "hex"))) };
    break;
  }
  case "open":
    out = { hex: hex(await open(input.identity, input.armored)) };
    break;
  case "datakeys":
    out = await dataKeys(input.identities, input.doc);
    break;
  case "sops":
    out = await judgeSops(input.identities, input.doc);
    break;
  default:
    throw new Error("unknown op");
}
process.stdout.write(JSON.stringify(out));

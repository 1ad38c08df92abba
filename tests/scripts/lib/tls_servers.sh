# tls_servers.sh: real STARTTLS servers on distinct 127.0.0.x addresses, for probe tests and
# benches. Source it (bash); it defines functions and sets no trap of its own.
#
#   ts_init DIR                 # TS_DIR: a test CA, and certificates made with the openssl CLI
#   ts_cert NAME CN [start end] # DIR/NAME.{crt,key}: issued by the test CA for CN (dates
#                               # YYYYMMDDHHMMSSZ: e.g. long expired)
#   ts_self_signed NAME CN      # DIR/NAME.{crt,key}: self-signed
#   ts_start ADDR NAME [--no-starttls]   # fleet_server.py on ADDR; TS_ADDR=ADDR:PORT (not
#                               # in $(...): the server's pid must reach ts_cleanup)
#   TS_SERVER=PROGRAM           # another server taking the same arguments (the bench sets
#                               # build/tests/fleet-smtp-server: C++, fast, --delay-ms N)
#   ts_cleanup                  # stops every server started (by pid)
TS_DIR=
TS_PIDS=()
ts_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ts_init() {
  TS_DIR=$1
  mkdir -p "$TS_DIR/ca/new"
  : >"$TS_DIR/ca/index.txt"
  echo 1000 >"$TS_DIR/ca/serial"
  cat >"$TS_DIR/ca/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $TS_DIR/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
[leaf]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
CNF
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TS_DIR/ca/ca.key" \
    -out "$TS_DIR/ca/ca.crt" -subj '/CN=mtlscert fleet test CA' -days 30 2>/dev/null
}

ts_cert() {
  local name=$1 cn=$2 start=${3:-} end=${4:-} dates=()
  [[ -n $start ]] && dates=(-startdate "$start" -enddate "$end") || dates=(-days 30)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TS_DIR/$name.key" \
    -out "$TS_DIR/$name.csr" -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" 2>/dev/null
  openssl ca -batch -config "$TS_DIR/ca/ca.cnf" -extensions leaf -notext "${dates[@]}" \
    -in "$TS_DIR/$name.csr" -out "$TS_DIR/$name.crt" 2>/dev/null
}

ts_self_signed() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TS_DIR/$1.key" \
    -out "$TS_DIR/$1.crt" -subj "/CN=$2" -addext "subjectAltName=DNS:$2" -days 30 2>/dev/null
}

ts_start() {
  local addr=$1 name=$2 port_file i
  shift 2
  port_file=$(mktemp "$TS_DIR/port.XXXXXX")
  local server=(python3 "$ts_lib/fleet_server.py")
  [[ -n ${TS_SERVER:-} ]] && server=("$TS_SERVER")
  "${server[@]}" "$addr" 0 "$TS_DIR/$name.crt" "$TS_DIR/$name.key" "$@" >"$port_file" 2>/dev/null &
  TS_PIDS+=($!)
  for ((i = 0; i < 100; i++)); do
    [[ -s $port_file ]] && break
    sleep 0.05
  done
  [[ -s $port_file ]] || { echo "tls_servers: server $name on $addr did not start" >&2; return 1; }
  TS_ADDR=$addr:$(cat "$port_file")
}

ts_cleanup() {
  local pid
  for pid in "${TS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${TS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  TS_PIDS=()
}

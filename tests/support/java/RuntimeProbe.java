import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A stand-in for a compiled Ballerina program (a WSO2 Integrator integration), faithful to the Ballerina
 * runtime on exactly the points hardgen's artefacts depend on. Used by tests/test_runtime_truth.py and
 * tests/test_systemd_e2e.py; built by tests/support/runtime_probe.py with javac 17 (--release 17), so it runs
 * on JDK 17, 21 and 25.
 *
 * The program it stands in for is described by /declarations.tsv inside its jar (written from a fixture
 * project under tests/fixtures/ballerina/): the root package's org and name, then one line per configurable
 * variable (module, name, type, default or '?' for required, optional role).
 *
 * What it does, in the runtime's order, each with its source (the research notes quoting them are in
 * /tmp/research/ballerina-facts.md and /work/shared/RUNTIME-FACTS.md):
 *   1. Configuration (ballerina-platform/ballerina-lang, bvm/ballerina-runtime/.../internal/):
 *      BAL_CONFIG_FILES split on ':' (launch/LaunchUtils.java: split(File.pathSeparator)); one provider per file
 *      added in REVERSE order, and configurable/ConfigResolver.java keeps the LAST provider's value, so the
 *      FIRST file listed wins. A missing file is a warning (TomlFileProvider.initialize throws, ConfigResolver
 *      .resolveConfigs catches and warns). Table lookup as configurable/providers/toml/TomlProvider.java
 *      (retrieveModuleNode, getRootModuleNode, getNonDefaultModuleNode, getImportedModuleNode). Every key no
 *      configurable consumed, in ANY file, is an error (TomlProvider.complete -> validateUnusedNodes), as is a
 *      missing required value and a type mismatch (Utils.checkEffectiveTomlType; an inline table is 'record');
 *      messages from MessagesBundle.properties; errors go to stderr as "error: ..." and the launcher exits 1
 *      (util/RuntimeUtils.handleDiagnosticErrors). A bad value in one file is only a warning when another
 *      file supplies a valid one (ConfigResolver.getConfigValue).
 *   2. The HTTPS listener's native TLS library (module-ballerina-http SSLHandlerFactory: HTTP/2, the default
 *      httpVersion, over TLS uses SslProvider.OPENSSL, i.e. netty-tcnative): extracted into
 *      io.netty.native.workdir, else io.netty.tmpdir, else java.io.tmpdir, System.load()ed and the copy deleted
 *      (netty/netty NativeLibraryLoader, NativeLibraryUtil, PlatformDependent.tmpdir0). If that fails the
 *      listener cannot start: the error goes to stderr and the program exits 1.
 *   3. The listener: HTTPS with the PKCS12 keystore at the keystore-path configurable and the password of the
 *      keystore-password configurable when both are declared, plain HTTP otherwise, on the listener-port
 *      configurable, host 0.0.0.0 (module-ballerina-http http_service_endpoint.bal: ListenerConfiguration.host
 *      = "0.0.0.0"); GET /health -> 200 "ok". ballerinax/prometheus, when declared, serves /metrics on its own
 *      host/port configurables (defaults "0.0.0.0"/9797, module-ballerinax-prometheus metric_reporter.bal) if
 *      metrics are enabled with the prometheus reporter (its init checks observe:isMetricsEnabled() and
 *      getMetricsReporter() == "prometheus").
 *   4. A report (GET /report on the listener, and printed once to stdout when started): max heap, user, uid,
 *      java.io.tmpdir, the native library, the listening TCP sockets of this JVM, where each configurable's
 *      value came from (never a value), and the JVM's input arguments.
 *
 * Exit codes: 0 on SIGTERM-free normal end (never, it serves until stopped), 1 as the Ballerina runtime
 * (configuration errors, listener start failures), 2 when the probe itself cannot read what it was given
 * (TOML outside the subset below, a broken declarations file): a probe limit, never a runtime verdict.
 */
public final class RuntimeProbe {

    /** Resource in the jar that holds the native library (netty keeps its own under META-INF/native/ too). */
    static final String NATIVE_RESOURCE = "/META-INF/native/libhardgen_probe_native.so";

    /** Bound by probe_native.c; called once after System.load to prove the library is linked. */
    private static native int nativeAnswer();

    public static void main(String[] args) throws Exception {
        Program program = Program.load();
        Diagnostics log = new Diagnostics();
        Resolved config = new Resolver(program, log).resolve(System.getenv());
        log.exitOnErrors(); // RuntimeUtils.handleDiagnosticErrors: print every diagnostic, exit 1 on any error

        Report report = new Report(program, config);
        Var keystorePath = program.withRole("keystore-path");
        Var keystorePassword = program.withRole("keystore-password");
        boolean tls = keystorePath != null && keystorePassword != null;
        SSLContext ssl = null;
        if (tls) {
            report.nativeNeeded = true;
            try {
                report.nativeDir = loadNativeLibrary();
                report.nativeLoaded = true;
            } catch (Throwable e) {
                // netty: OpenSsl unavailable -> the OPENSSL SslContext cannot be built -> the listener fails to start.
                System.err.println("error: the HTTPS listener could not load its native TLS library: " + e);
                System.exit(1);
            }
            try {
                ssl = sslContext((String) config.value(keystorePath), (String) config.value(keystorePassword));
            } catch (Exception e) {
                System.err.println("error: the HTTPS listener could not open its keystore: " + e);
                System.exit(1);
            }
        }

        Var portVar = program.withRole("listener-port");
        if (portVar == null) {
            System.err.println("probe: no configurable has the role listener-port; nothing to listen on");
            System.exit(2);
        }
        int port = (int) (long) (Long) config.value(portVar);
        HttpServer server;
        InetSocketAddress address = new InetSocketAddress("0.0.0.0", port);
        try {
            if (tls) {
                HttpsServer https = HttpsServer.create(address, 50);
                https.setHttpsConfigurator(new HttpsConfigurator(ssl) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = getSSLContext().getDefaultSSLParameters();
                        // TLS 1.2 and 1.3 only. module-ballerina-http (ballerina/http_service_endpoint.bal):
                        // ListenerSecureSocket.protocol is optional; when set, SSLHandlerFactory applies its versions
                        // with sslContextBuilder.protocols(...); when not (the fixtures' listeners), netty's OpenSSL
                        // provider uses its own defaults, TLSv1.2 and TLSv1.3 in the netty Ballerina ships (research
                        // notes section 5; netty's default is not quoted there, so this is the one assumption here).
                        p.setProtocols(new String[] {"TLSv1.2", "TLSv1.3"});
                        params.setSSLParameters(p);
                    }
                });
                server = https;
            } else {
                server = HttpServer.create(address, 50);
            }
        } catch (IOException e) {
            System.err.println("error: the listener could not bind 0.0.0.0:" + port + ": " + e);
            System.exit(1);
            return;
        }
        report.listenerPort = port;
        report.listenerTls = tls;
        server.createContext("/health", ex -> reply(ex, 200, "text/plain", "ok"));
        server.createContext("/report", ex -> reply(ex, 200, "application/json", report.json()));
        server.start();

        if (program.declares("ballerinax/prometheus") && metricsEnabled(program, config)) {
            String host = (String) config.value(program.var("ballerinax/prometheus", "host"));
            int mport = (int) (long) (Long) config.value(program.var("ballerinax/prometheus", "port"));
            try {
                HttpServer metrics = HttpServer.create(new InetSocketAddress(host, mport), 50);
                metrics.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4",
                        "# TYPE probe_up gauge\nprobe_up 1\n"));
                metrics.start();
                report.metrics = host + ":" + mport;
            } catch (IOException e) {
                System.err.println("error: the prometheus reporter could not bind " + host + ":" + mport + ": " + e);
                System.exit(1);
            }
        }
        System.out.println(report.json());
        System.out.flush();
    }

    /** ballerinax/prometheus' init: observe:isMetricsEnabled() and observe:getMetricsReporter() == "prometheus". */
    static boolean metricsEnabled(Program program, Resolved config) {
        if (!program.declares("ballerina/observe")) {
            return false;
        }
        boolean enabled = Boolean.TRUE.equals(config.value(program.var("ballerina/observe", "enabled")))
                || Boolean.TRUE.equals(config.value(program.var("ballerina/observe", "metricsEnabled")));
        String reporter = (String) config.value(program.var("ballerina/observe", "metricsReporter"));
        if (reporter == null || reporter.isEmpty()) {
            reporter = (String) config.value(program.var("ballerina/observe", "provider"));
        }
        return enabled && "prometheus".equals(reporter);
    }

    /** netty NativeLibraryLoader: copy the library out of the jar into WORKDIR, System.load it, delete the copy. */
    static String loadNativeLibrary() throws IOException {
        String dir = System.getProperty("io.netty.native.workdir");
        if (dir == null) {
            dir = System.getProperty("io.netty.tmpdir", System.getProperty("java.io.tmpdir"));
        }
        File workdir = new File(dir);
        File copy = File.createTempFile("libhardgen_probe_native", ".so", workdir);
        try (InputStream in = RuntimeProbe.class.getResourceAsStream(NATIVE_RESOURCE)) {
            if (in == null) {
                throw new IOException("no " + NATIVE_RESOURCE + " in the jar");
            }
            Files.copy(in, copy.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            System.load(copy.getPath()); // NativeLibraryUtil.loadLibrary(name, absolute=true)
            if (nativeAnswer() != 42) {
                throw new UnsatisfiedLinkError("the native library answered wrongly");
            }
        } finally {
            copy.delete(); // io.netty.native.deleteLibAfterLoading defaults to true
        }
        return workdir.getPath();
    }

    static SSLContext sslContext(String keystorePath, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(keystorePath))) {
            store.load(in, password.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // The program: its root package and its configurable variables, from /declarations.tsv.
    // ------------------------------------------------------------------------------------------------------

    /** One configurable variable. `module` is "org/name" ("myorg/orders.db" for a submodule). */
    static final class Var {
        final String org, module, name, type, role;
        final Object defaultValue; // null when required (`= ?`)

        Var(String org, String module, String name, String type, Object defaultValue, String role) {
            this.org = org;
            this.module = module;
            this.name = name;
            this.type = type;
            this.defaultValue = defaultValue;
            this.role = role;
        }

        boolean required() {
            return defaultValue == null;
        }

        String qualified() {
            return org + "/" + module + ":" + name;
        }
    }

    static final class Program {
        String org, name;
        final List<Var> vars = new ArrayList<>();

        static Program load() throws IOException {
            Program p = new Program();
            try (InputStream in = RuntimeProbe.class.getResourceAsStream("/declarations.tsv")) {
                if (in == null) {
                    probeFailure("no /declarations.tsv in the jar");
                }
                int n = 0;
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    n++;
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] f = line.split("\t", -1);
                    if (f[0].equals("package") && f.length == 3) {
                        p.org = f[1];
                        p.name = f[2];
                    } else if (f[0].equals("configurable") && f.length >= 5) {
                        String[] om = f[1].split("/", 2);
                        Object def = f[4].equals("?") ? null : TomlParser.literal(f[4]);
                        p.vars.add(new Var(om[0], om[1], f[2], f[3], def, f.length > 5 ? f[5] : ""));
                    } else {
                        probeFailure("declarations.tsv line " + n + " is not understood: " + line);
                    }
                }
            }
            if (p.org == null) {
                probeFailure("declarations.tsv names no package");
            }
            return p;
        }

        Var withRole(String role) {
            for (Var v : vars) {
                if (v.role.equals(role)) {
                    return v;
                }
            }
            return null;
        }

        Var var(String module, String name) {
            for (Var v : vars) {
                if ((v.org + "/" + v.module).equals(module) && v.name.equals(name)) {
                    return v;
                }
            }
            return null; // not declared: Resolved.value(null) is null
        }

        boolean declares(String module) {
            for (Var v : vars) {
                if ((v.org + "/" + v.module).equals(module)) {
                    return true;
                }
            }
            return false;
        }
    }

    static void probeFailure(String why) {
        System.err.println("probe: " + why);
        System.exit(2);
    }

    // ------------------------------------------------------------------------------------------------------
    // Diagnostics, printed like RuntimeDiagnostic.toString(): "error: [file:(l:c,l:c)] message".
    // ------------------------------------------------------------------------------------------------------

    static final class Diagnostics {
        final List<String> lines = new ArrayList<>();
        int errors;

        void error(String message) {
            lines.add("error: " + message);
            errors++;
        }

        void warn(String message) {
            lines.add("warning: " + message);
        }

        void exitOnErrors() {
            lines.forEach(System.err::println);
            if (errors > 0) {
                System.exit(1);
            }
        }
    }

    /** A ConfigException: a message the resolver turns into an error or, if another file has a value, a warning. */
    static final class ConfigProblem extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigProblem(String message) {
            super(message, null, false, false);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Configuration resolution: LaunchUtils + ConfigResolver + TomlProvider.
    // ------------------------------------------------------------------------------------------------------

    static final class Resolved {
        final Map<Var, Object> values = new LinkedHashMap<>();
        final Map<Var, String> sources = new LinkedHashMap<>();
        final List<String> files = new ArrayList<>();

        Object value(Var v) {
            return values.get(v);
        }
    }

    static final class Resolver {
        final Program program;
        final Diagnostics log;
        final Set<String> orgNames = new HashSet<>();
        final Set<String> moduleNames = new HashSet<>();

        Resolver(Program program, Diagnostics log) {
            this.program = program;
            this.log = log;
            // ModuleInfo.analyseModules: every org, and every dot-separated part of every module name.
            for (Var v : program.vars) {
                orgNames.add(v.org);
                moduleNames.addAll(Arrays.asList(v.module.split("\\.")));
            }
        }

        Resolved resolve(Map<String, String> env) {
            Resolved out = new Resolved();
            List<String> paths = new ArrayList<>();
            if (env.containsKey("BAL_CONFIG_FILES")) {
                paths.addAll(Arrays.asList(env.get("BAL_CONFIG_FILES").split(File.pathSeparator)));
            } else if (Files.exists(Path.of(System.getProperty("user.dir"), "Config.toml"))) {
                paths.add(Path.of(System.getProperty("user.dir"), "Config.toml").toString());
            } // BAL_CONFIG_DATA and BAL_CONFIG_VAR_* are not modelled: hardgen writes neither.
            out.files.addAll(paths);
            // LaunchUtils: `for (int i = configFilePaths.length - 1; i >= 0; i--) providers.add(...)`.
            List<FileProvider> providers = new ArrayList<>();
            for (int i = paths.size() - 1; i >= 0; i--) {
                FileProvider p = new FileProvider(paths.get(i));
                try {
                    p.initialize();
                    if (!p.root.entries.isEmpty()) {
                        providers.add(p); // ConfigResolver: only providers that hasConfigs()
                    }
                } catch (ConfigProblem e) {
                    log.warn(e.getMessage());
                }
            }
            for (Var v : program.vars) {
                Object value = null;
                String source = null;
                List<String> problems = new ArrayList<>();
                for (FileProvider p : providers) {
                    try {
                        Object found = p.get(v);
                        if (found != null) {
                            value = found; // the last provider with a value wins
                            source = p.path;
                        }
                    } catch (ConfigProblem e) {
                        problems.add(e.getMessage());
                    }
                }
                if (value != null) {
                    problems.forEach(log::warn);
                } else if (problems.isEmpty() && v.required()) {
                    log.error("value not provided for required configurable variable '" + v.name + "'");
                } else {
                    problems.forEach(log::error);
                }
                if (value == null && !v.required()) {
                    value = v.defaultValue;
                    source = "default";
                }
                if (value != null) {
                    out.values.put(v, value);
                    out.sources.put(v, source);
                }
            }
            for (FileProvider p : providers) {
                p.complete(); // validateUnusedNodes on every file
            }
            return out;
        }

        /** A TomlFileProvider: one file, the nodes its lookups consumed, and the lines that failed a type check. */
        final class FileProvider {
            final String path;
            TomlParser.Table root;
            final Set<Object> visited = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            final Set<Object> invalid = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

            FileProvider(String path) {
                this.path = path;
            }

            void initialize() throws ConfigProblem {
                Path file = Path.of(path);
                if (!Files.exists(file)) { // CONFIG_TOML_FILE_NOT_FOUND (a warning, see ConfigResolver)
                    throw new ConfigProblem("configuration file is not found in path '" + path + "'");
                }
                String text;
                try {
                    text = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) { // CONFIG_TOML_READ_FAILED, thrown from initialize too: a warning
                    throw new ConfigProblem("failed to read configuration file '" + path + "': " + e);
                }
                try {
                    root = new TomlParser(path, text).parse();
                } catch (TomlParser.Unsupported e) {
                    probeFailure(e.getMessage());
                } catch (TomlParser.SyntaxError e) { // CONFIG_TOML_PARSE_FAILED, thrown from initialize: a warning
                    throw new ConfigProblem("[" + path + ":(" + e.line + ":" + e.col + ")] invalid TOML: " + e.getMessage());
                }
                if (root.entries.isEmpty()) { // CONFIG_TOML_EMPTY_FILE
                    throw new ConfigProblem("an empty configuration file is found in path '" + path + "'");
                }
            }

            /** getModuleTomlNodes: the tables a module's variables may sit in, in the order they are searched. */
            List<TomlParser.Table> moduleTables(Var v) {
                List<TomlParser.Table> tables = new ArrayList<>();
                String moduleKey = v.org + "." + v.module;
                if (v.org.equals(program.org)) {
                    if (v.module.equals(program.name)) { // getRootModuleNode: [org.name], [name], top level
                        add(tables, root.table(moduleKey), false);
                        add(tables, root.table(v.module), true);
                        tables.add(root);
                    } else { // getNonDefaultModuleNode: [name.sub], then [org.name.sub]
                        add(tables, root.table(v.module), false);
                        add(tables, root.table(moduleKey), true);
                    }
                } else { // getImportedModuleNode: [org.module] only
                    add(tables, root.table(moduleKey), true);
                }
                return tables;
            }

            void add(List<TomlParser.Table> tables, TomlParser.Table table, boolean visit) {
                if (table != null) {
                    tables.add(table);
                    if (visit) {
                        visited.add(table); // addToModuleNodeMap marks the table itself visited
                    }
                }
            }

            /** getBasicTomlValue / getAsArrayAndMark: the first table holding the name wins; null if none. */
            Object get(Var v) throws ConfigProblem {
                for (TomlParser.Table table : moduleTables(v)) {
                    Object node = table.entries.get(v.name);
                    if (node == null) {
                        continue;
                    }
                    if (!(node instanceof TomlParser.KeyValue)) { // a [table] where a value is expected
                        TomlParser.Table t = (TomlParser.Table) node;
                        invalid.add(t);
                        throw new ConfigProblem(incompatible(t.range(), v.name, v.type, "record"));
                    }
                    TomlParser.KeyValue kv = (TomlParser.KeyValue) node;
                    visited.add(kv);
                    checkType(kv, v.name, v.type, kv.value);
                    return kv.value;
                }
                return null;
            }

            /** Utils.checkEffectiveTomlType for the types hardgen's configurables use. */
            void checkType(TomlParser.KeyValue kv, String name, String type, Object value) throws ConfigProblem {
                if (type.endsWith("[]")) {
                    if (!(value instanceof List)) {
                        invalid.add(kv);
                        throw new ConfigProblem(incompatible(kv.range(), name, type, TomlParser.kind(value)));
                    }
                    List<?> items = (List<?>) value;
                    for (int i = 0; i < items.size(); i++) {
                        checkType(kv, name + "[" + i + "]", type.substring(0, type.length() - 2), items.get(i));
                    }
                    return;
                }
                String kind = TomlParser.kind(value);
                if (!kind.equals(type)) {
                    invalid.add(kv);
                    throw new ConfigProblem(incompatible(kv.range(), name, type, kind));
                }
            }

            String incompatible(String range, String name, String type, String found) {
                return "[" + path + ":" + range + "] configurable variable '" + name + "' is expected to be of type '"
                        + type + "', but found '" + found + "'";
            }

            /** TomlProvider.complete -> validateUnusedNodes: every value nothing consumed is an error. */
            void complete() {
                unused(root, "");
            }

            void unused(TomlParser.Table table, String header) {
                for (Map.Entry<String, Object> e : table.entries.entrySet()) {
                    Object node = e.getValue();
                    if (node instanceof TomlParser.KeyValue) {
                        TomlParser.KeyValue kv = (TomlParser.KeyValue) node;
                        if (!visited.contains(kv) && !invalid.contains(kv)) {
                            log.error("[" + path + ":" + kv.range() + "] unused configuration value '" + header + e.getKey() + "'");
                        }
                    } else {
                        TomlParser.Table t = (TomlParser.Table) node;
                        if (!visited.contains(t) && !orgNames.contains(e.getKey()) && !moduleNames.contains(e.getKey())
                                && !invalid.contains(t)) {
                            log.error("[" + path + ":" + t.range() + "] unused configuration value '" + header + e.getKey() + "'");
                        }
                        unused(t, header + e.getKey() + ".");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // A small TOML parser for what hardgen and an operator write: comments; [a.b] and ["quoted"] headers;
    // bare, quoted and dotted keys; basic strings with escapes, literal strings (both also multi-line);
    // integers (decimal, 0x, 0o, 0b, with _), floats, inf/nan, booleans; arrays (may span lines) and inline
    // tables. Not supported (the probe stops with exit 2, never a runtime verdict): [[arrays of tables]],
    // dates and times.
    // ------------------------------------------------------------------------------------------------------

    static final class TomlParser {
        /** Valid TOML this subset does not read. */
        static final class Unsupported extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Unsupported(String m) {
                super(m);
            }
        }

        /** Invalid TOML. */
        static final class SyntaxError extends Exception {
            private static final long serialVersionUID = 1L;
            final int line, col;

            SyntaxError(String m, int line, int col) {
                super(m, null, false, false);
                this.line = line;
                this.col = col;
            }
        }

        /** A table: entries map a key to a KeyValue or a nested Table. Positions are 1-based. */
        static final class Table {
            final LinkedHashMap<String, Object> entries = new LinkedHashMap<>();
            final int line, col;
            boolean header; // defined by a [header] (may not be defined twice)

            Table(int line, int col) {
                this.line = line;
                this.col = col;
            }

            /** Toml.getTable("a.b.c"): the nested table at a dotted path, or null. */
            Table table(String dotted) {
                Table t = this;
                for (String part : dotted.split("\\.")) {
                    Object next = t.entries.get(part);
                    if (!(next instanceof Table)) {
                        return null;
                    }
                    t = (Table) next;
                }
                return t;
            }

            String range() {
                return "(" + line + ":" + col + "," + line + ":" + col + ")";
            }
        }

        static final class KeyValue {
            final Object value; // String, Long, Double, Boolean, List<Object>, Map<String, Object> (inline table)
            final int line, col, endLine, endCol;

            KeyValue(Object value, int line, int col, int endLine, int endCol) {
                this.value = value;
                this.line = line;
                this.col = col;
                this.endLine = endLine;
                this.endCol = endCol;
            }

            String range() {
                return "(" + line + ":" + col + "," + endLine + ":" + endCol + ")";
            }
        }

        /** Utils.getTomlTypeString: the TOML kind named as Ballerina names it in messages. */
        static String kind(Object value) {
            if (value instanceof String) {
                return "string";
            } else if (value instanceof Long) {
                return "int";
            } else if (value instanceof Double) {
                return "float";
            } else if (value instanceof Boolean) {
                return "boolean";
            } else if (value instanceof List) {
                return "array";
            }
            return "record"; // TABLE and INLINE_TABLE
        }

        /** A value written as TOML (the defaults in declarations.tsv). */
        static Object literal(String text) {
            try {
                TomlParser p = new TomlParser("declarations.tsv", text);
                Object v = p.value();
                p.skipSpaces();
                if (!p.eof()) {
                    throw new IllegalArgumentException("trailing text in default " + text);
                }
                return v;
            } catch (SyntaxError e) {
                throw new IllegalArgumentException("bad default " + text + ": " + e.getMessage());
            }
        }

        final String file, s;
        int i;

        TomlParser(String file, String text) {
            this.file = file;
            this.s = text;
        }

        boolean eof() {
            return i >= s.length();
        }

        char peek() {
            return s.charAt(i);
        }

        int line() {
            int n = 1;
            for (int k = 0; k < i && k < s.length(); k++) {
                if (s.charAt(k) == '\n') {
                    n++;
                }
            }
            return n;
        }

        int col() {
            int start = s.lastIndexOf('\n', i - 1) + 1;
            return i - start + 1;
        }

        SyntaxError error(String m) {
            return new SyntaxError(m, line(), col());
        }

        void skipSpaces() {
            while (!eof() && (peek() == ' ' || peek() == '\t')) {
                i++;
            }
        }

        void skipComment() {
            if (!eof() && peek() == '#') {
                while (!eof() && peek() != '\n') {
                    i++;
                }
            }
        }

        /** Spaces, comments and newlines (between statements and inside arrays). */
        void skipBlank() {
            while (!eof()) {
                char c = peek();
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                    i++;
                } else if (c == '#') {
                    skipComment();
                } else {
                    break;
                }
            }
        }

        void endOfLine() throws SyntaxError {
            skipSpaces();
            skipComment();
            if (!eof() && peek() == '\r') {
                i++;
            }
            if (!eof() && peek() != '\n') {
                throw error("expected the end of the line");
            }
        }

        Table parse() throws SyntaxError {
            Table root = new Table(1, 1);
            Table current = root;
            while (true) {
                skipBlank();
                if (eof()) {
                    return root;
                }
                int line = line(), col = col();
                if (s.startsWith("[[", i)) {
                    throw new Unsupported(file + ":" + line + ": arrays of tables ([[...]]) are outside the probe's TOML subset");
                }
                if (peek() == '[') {
                    i++;
                    skipSpaces();
                    List<String> path = keyPath();
                    skipSpaces();
                    if (eof() || peek() != ']') {
                        throw error("expected ']'");
                    }
                    i++;
                    current = root;
                    for (int k = 0; k < path.size(); k++) {
                        Object next = current.entries.get(path.get(k));
                        if (next == null) {
                            next = new Table(line, col);
                            current.entries.put(path.get(k), next);
                        } else if (!(next instanceof Table)) {
                            throw new SyntaxError("key '" + path.get(k) + "' is already a value", line, col);
                        }
                        current = (Table) next;
                    }
                    if (current.header) {
                        throw new SyntaxError("table [" + String.join(".", path) + "] is defined twice", line, col);
                    }
                    current.header = true;
                } else {
                    keyValue(current);
                }
                endOfLine();
            }
        }

        List<String> keyPath() throws SyntaxError {
            List<String> keys = new ArrayList<>();
            while (true) {
                skipSpaces();
                keys.add(key());
                skipSpaces();
                if (!eof() && peek() == '.') {
                    i++;
                } else {
                    return keys;
                }
            }
        }

        String key() throws SyntaxError {
            if (eof()) {
                throw error("expected a key");
            }
            char c = peek();
            if (c == '"') {
                return basicString();
            }
            if (c == '\'') {
                return literalString();
            }
            int start = i;
            while (!eof() && (Character.isLetterOrDigit(peek()) && peek() < 128 || peek() == '_' || peek() == '-')) {
                i++;
            }
            if (start == i) {
                throw error("expected a key");
            }
            return s.substring(start, i);
        }

        /** key = value, dotted keys creating (or extending) tables below `table`. */
        void keyValue(Table table) throws SyntaxError {
            int line = line(), col = col();
            List<String> path = keyPath();
            if (eof() || peek() != '=') {
                throw error("expected '='");
            }
            i++;
            skipSpaces();
            Object value = value();
            Table t = table;
            for (int k = 0; k < path.size() - 1; k++) {
                Object next = t.entries.get(path.get(k));
                if (next == null) {
                    next = new Table(line, col);
                    t.entries.put(path.get(k), next);
                } else if (!(next instanceof Table)) {
                    throw new SyntaxError("key '" + path.get(k) + "' is already a value", line, col);
                }
                t = (Table) next;
            }
            String last = path.get(path.size() - 1);
            if (t.entries.containsKey(last)) {
                throw new SyntaxError("duplicate key '" + String.join(".", path) + "'", line, col);
            }
            t.entries.put(last, new KeyValue(value, line, col, line(), col()));
        }

        Object value() throws SyntaxError {
            if (eof()) {
                throw error("expected a value");
            }
            char c = peek();
            if (c == '"') {
                return basicString();
            } else if (c == '\'') {
                return literalString();
            } else if (c == '[') {
                return array();
            } else if (c == '{') {
                return inlineTable();
            } else if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            } else if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            return number();
        }

        List<Object> array() throws SyntaxError {
            i++; // [
            List<Object> items = new ArrayList<>();
            while (true) {
                skipBlank();
                if (eof()) {
                    throw error("unterminated array");
                }
                if (peek() == ']') {
                    i++;
                    return items;
                }
                items.add(value());
                skipBlank();
                if (!eof() && peek() == ',') {
                    i++;
                } else if (eof() || peek() != ']') {
                    throw error("expected ',' or ']' in an array");
                }
            }
        }

        Map<String, Object> inlineTable() throws SyntaxError {
            i++; // {
            Table t = new Table(line(), col());
            skipSpaces();
            if (!eof() && peek() == '}') {
                i++;
                return new LinkedHashMap<>();
            }
            while (true) {
                skipSpaces();
                keyValue(t);
                skipSpaces();
                if (eof()) {
                    throw error("unterminated inline table");
                }
                if (peek() == ',') {
                    i++;
                } else if (peek() == '}') {
                    i++;
                    return plain(t);
                } else {
                    throw error("expected ',' or '}' in an inline table");
                }
            }
        }

        static Map<String, Object> plain(Table t) {
            Map<String, Object> m = new LinkedHashMap<>();
            t.entries.forEach((k, v) -> m.put(k, v instanceof Table ? plain((Table) v) : ((KeyValue) v).value));
            return m;
        }

        String basicString() throws SyntaxError {
            boolean multi = s.startsWith("\"\"\"", i);
            i += multi ? 3 : 1;
            if (multi && !eof() && peek() == '\n') {
                i++; // a newline right after the opening delimiter is trimmed
            }
            StringBuilder out = new StringBuilder();
            while (true) {
                if (eof()) {
                    throw error("unterminated string");
                }
                if (multi ? s.startsWith("\"\"\"", i) : peek() == '"') {
                    i += multi ? 3 : 1;
                    return out.toString();
                }
                char c = s.charAt(i++);
                if (c == '\n' && !multi) {
                    throw error("newline in a string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (eof()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'b': out.append('\b'); break;
                    case 't': out.append('\t'); break;
                    case 'n': out.append('\n'); break;
                    case 'f': out.append('\f'); break;
                    case 'r': out.append('\r'); break;
                    case '"': out.append('"'); break;
                    case '\\': out.append('\\'); break;
                    case 'u':
                    case 'U': {
                        int n = e == 'u' ? 4 : 8;
                        if (i + n > s.length()) {
                            throw error("short unicode escape");
                        }
                        try {
                            out.appendCodePoint(Integer.parseInt(s.substring(i, i + n), 16));
                        } catch (IllegalArgumentException x) {
                            throw error("bad unicode escape");
                        }
                        i += n;
                        break;
                    }
                    default:
                        if (multi && (e == '\n' || e == ' ' || e == '\t' || e == '\r')) {
                            while (!eof() && Character.isWhitespace(peek())) {
                                i++; // line-ending backslash: trim up to the next non-blank
                            }
                            break;
                        }
                        throw error("invalid escape \\" + e);
                }
            }
        }

        String literalString() throws SyntaxError {
            boolean multi = s.startsWith("'''", i);
            i += multi ? 3 : 1;
            if (multi && !eof() && peek() == '\n') {
                i++;
            }
            int end = s.indexOf(multi ? "'''" : "'", i);
            if (end < 0 || (!multi && s.substring(i, end).contains("\n"))) {
                throw error("unterminated literal string");
            }
            String v = s.substring(i, end);
            i = end + (multi ? 3 : 1);
            return v;
        }

        Object number() throws SyntaxError {
            int start = i;
            while (!eof() && "0123456789abcdefABCDEFxobinINF+-._:TZ".indexOf(peek()) >= 0) {
                i++;
            }
            String t = s.substring(start, i);
            if (t.isEmpty()) {
                throw error("expected a value");
            }
            if (t.contains(":") || t.matches("\\d{4}-\\d{2}-\\d{2}.*")) {
                throw new Unsupported(file + ":" + line() + ": dates and times are outside the probe's TOML subset");
            }
            String d = t.replace("_", "");
            try {
                switch (d) {
                    case "inf": case "+inf": return Double.POSITIVE_INFINITY;
                    case "-inf": return Double.NEGATIVE_INFINITY;
                    case "nan": case "+nan": case "-nan": return Double.NaN;
                    default:
                }
                if (d.startsWith("0x")) {
                    return Long.parseLong(d.substring(2), 16);
                } else if (d.startsWith("0o")) {
                    return Long.parseLong(d.substring(2), 8);
                } else if (d.startsWith("0b")) {
                    return Long.parseLong(d.substring(2), 2);
                } else if (d.contains(".") || d.contains("e") || d.contains("E")) {
                    return Double.parseDouble(d);
                }
                return Long.parseLong(d);
            } catch (NumberFormatException e) {
                i = start;
                throw error("invalid value '" + t + "'");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // The report: JSON, computed fresh on every GET /report so the socket list is current.
    // ------------------------------------------------------------------------------------------------------

    static final class Report {
        final Program program;
        final Resolved config;
        boolean nativeNeeded, nativeLoaded, listenerTls;
        String nativeDir, metrics;
        int listenerPort;

        Report(Program program, Resolved config) {
            this.program = program;
            this.config = config;
        }

        String json() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("probe", "RuntimeProbe");
            r.put("javaVersion", System.getProperty("java.version"));
            r.put("maxMemory", Runtime.getRuntime().maxMemory());
            r.put("user", System.getProperty("user.name"));
            Map<String, String> status = procStatus();
            r.put("uid", firstField(status.get("Uid")));
            r.put("gid", firstField(status.get("Gid")));
            r.put("groups", status.getOrDefault("Groups", "").trim());
            r.put("tmpdir", System.getProperty("java.io.tmpdir"));
            Map<String, Object> nat = new LinkedHashMap<>();
            nat.put("needed", nativeNeeded);
            nat.put("loaded", nativeLoaded);
            nat.put("dir", nativeDir);
            r.put("nativeLibrary", nat);
            r.put("listenerPort", listenerPort);
            r.put("listenerTls", listenerTls);
            r.put("metrics", metrics);
            r.put("sockets", listeningSockets());
            r.put("configFiles", config.files);
            Map<String, Object> sources = new LinkedHashMap<>();
            for (Var v : program.vars) {
                sources.put(v.qualified(), config.sources.get(v)); // where the value came from, never the value
            }
            r.put("config", sources);
            r.put("inputArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
            return Json.write(r);
        }

        static Long firstField(String line) {
            return line == null ? null : Long.valueOf(line.trim().split("\\s+")[0]);
        }

        static Map<String, String> procStatus() {
            Map<String, String> m = new LinkedHashMap<>();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        m.put(line.substring(0, colon), line.substring(colon + 1));
                    }
                }
            } catch (IOException e) {
                m.put("error", e.toString());
            }
            return m;
        }

        /**
         * The TCP sockets in LISTEN state that belong to this JVM: /proc/self/net/tcp{,6} lists the whole network
         * namespace, so keep only the entries whose inode is one of this process's `socket:[inode]` descriptors.
         */
        static List<String> listeningSockets() {
            Set<String> inodes = new HashSet<>();
            try (var fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(target.substring(8, target.length() - 1));
                        }
                    } catch (IOException ignored) {
                        // closed meanwhile
                    }
                }
            } catch (IOException e) {
                return List.of("error: " + e);
            }
            Set<String> out = new TreeSet<>();
            for (String table : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(Path.of(table));
                } catch (IOException e) {
                    out.add("error: " + e);
                    continue;
                }
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) { // 0A = TCP_LISTEN
                        out.add(address(f[1]));
                    }
                }
            }
            return new ArrayList<>(out);
        }

        /** "0100007F:24E3" -> "127.0.0.1:9443"; IPv6 as 4 little-endian words; IPv4-mapped shown as IPv4. */
        static String address(String hex) {
            String[] ap = hex.split(":");
            int port = Integer.parseInt(ap[1], 16);
            byte[] b = new byte[ap[0].length() / 2];
            for (int w = 0; w < b.length / 4; w++) {
                for (int k = 0; k < 4; k++) {
                    b[w * 4 + k] = (byte) Integer.parseInt(ap[0].substring(w * 8 + (3 - k) * 2, w * 8 + (3 - k) * 2 + 2), 16);
                }
            }
            String host;
            if (b.length == 16 && isMapped(b)) {
                b = Arrays.copyOfRange(b, 12, 16);
            }
            if (b.length == 4) {
                host = (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
            } else {
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < 16; k += 2) {
                    sb.append(k == 0 ? "" : ":").append(Integer.toHexString(((b[k] & 255) << 8) | (b[k + 1] & 255)));
                }
                host = "[" + sb.toString().replaceFirst("(^|:)(0(:|$)){2,}", "::").replaceFirst(":::", "::") + "]";
            }
            return host + ":" + port;
        }

        static boolean isMapped(byte[] b) {
            for (int k = 0; k < 10; k++) {
                if (b[k] != 0) {
                    return false;
                }
            }
            return (b[10] & 255) == 255 && (b[11] & 255) == 255;
        }
    }

    /** Just enough JSON output for the report. */
    static final class Json {
        static String write(Object o) {
            StringBuilder sb = new StringBuilder();
            write(o, sb);
            return sb.toString();
        }

        static void write(Object o, StringBuilder sb) {
            if (o == null) {
                sb.append("null");
            } else if (o instanceof Map) {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                    sb.append(first ? "" : ",");
                    first = false;
                    write(String.valueOf(e.getKey()), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            } else if (o instanceof List) {
                sb.append('[');
                boolean first = true;
                for (Object item : (List<?>) o) {
                    sb.append(first ? "" : ",");
                    first = false;
                    write(item, sb);
                }
                sb.append(']');
            } else if (o instanceof Number || o instanceof Boolean) {
                sb.append(o);
            } else {
                sb.append('"');
                for (char c : o.toString().toCharArray()) {
                    if (c == '"' || c == '\\') {
                        sb.append('\\').append(c);
                    } else if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
                sb.append('"');
            }
        }
    }
}

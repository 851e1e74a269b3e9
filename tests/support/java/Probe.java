import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Collections;

/**
 * Stand-in for a Ballerina integration in the systemd end-to-end test (tests/test_systemd_e2e.py).
 *
 * Like the Ballerina runtime it finds its configuration through BAL_CONFIG_FILES (the secrets file
 * first, so it wins a clash, then the generated Config.toml): it listens on the `port` of the
 * integration's own table in Config.toml (not the [ballerinax.prometheus] port), answers /health, and
 * on /credential reports which file BAL_CONFIG_FILES lists first, whether the secrets credential
 * ($CREDENTIALS_DIRECTORY/secrets.toml) is readable and what it holds, and which user runs it.
 * Like an HTTPS listener it opens the PKCS12 keystore at `keystorePath` (Config.toml) with the
 * `keystorePassword` of the secrets file, and reports what it found.
 */
public class Probe {
    public static void main(String[] args) throws Exception {
        String[] files = System.getenv().getOrDefault("BAL_CONFIG_FILES", "").split(":");
        HttpServer server = HttpServer.create(new InetSocketAddress(port(configToml(files))), 0);
        server.createContext("/health", ex -> reply(ex, "ok"));
        server.createContext("/credential", ex -> reply(ex, credential(files)));
        server.start();
        System.out.println("probe listening; BAL_CONFIG_FILES=" + String.join(":", files));
    }

    /** The file of BAL_CONFIG_FILES named Config.toml (the other one is the secrets file). */
    static Path configToml(String[] files) {
        for (String f : files) {
            if (Path.of(f).getFileName().toString().equals("Config.toml")) {
                return Path.of(f);
            }
        }
        return Path.of(files[files.length - 1]);
    }

    static Path secretsFile(String[] files) {
        for (String f : files) {
            if (!Path.of(f).getFileName().toString().equals("Config.toml")) {
                return Path.of(f);
            }
        }
        return Path.of(files[0]);
    }

    static int port(Path configToml) throws IOException {
        String table = "";
        for (String line : Files.readAllLines(configToml)) {
            String t = line.strip();
            if (t.startsWith("[")) {
                table = t;
            } else if (!table.startsWith("[ballerina") && t.matches("port\\s*=\\s*[0-9]+")) {
                return Integer.parseInt(t.substring(t.indexOf('=') + 1).strip());
            }
        }
        throw new IllegalStateException("no port in " + configToml);
    }

    static String credential(String[] files) {
        String dir = System.getenv("CREDENTIALS_DIRECTORY");
        StringBuilder out = new StringBuilder();
        out.append("user=").append(System.getProperty("user.name")).append('\n');
        out.append("credentials_directory=").append(dir).append('\n');
        out.append("first_config_file=").append(files[0]).append('\n');
        Path secrets = dir == null ? null : Path.of(dir, "secrets.toml");
        boolean readable = secrets != null && Files.isReadable(secrets);
        out.append("readable=").append(readable).append('\n');
        if (readable) {
            try {
                out.append(Files.readString(secrets));
            } catch (IOException e) {
                out.append("read failed: ").append(e);
            }
        }
        out.append(keystore(files)).append('\n');
        return out.toString();
    }

    /** The first `key = "value"` of the integration's own table (not [ballerina*]) in a TOML file, or null. */
    static String value(Path file, String key) throws IOException {
        String table = "";
        for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (t.startsWith("[")) {
                table = t;
            } else if (!table.startsWith("[ballerina") && t.matches(key + "\\s*=\\s*\".*\"")) {
                return t.substring(t.indexOf('"') + 1, t.lastIndexOf('"'));
            }
        }
        return null;
    }

    static String keystore(String[] files) {
        try {
            String path = value(configToml(files), "keystorePath");
            String password = value(secretsFile(files), "keystorePassword");
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(Path.of(path))) {
                store.load(in, password.toCharArray());
            }
            return "keystore=" + path + " aliases=" + Collections.list(store.aliases());
        } catch (Exception e) {
            return "keystore failed: " + e;
        }
    }

    static void reply(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

/*
 * The native library of RuntimeProbe.java: a stand-in for netty-tcnative (BoringSSL), which Ballerina's
 * HTTP/2 TLS listener loads (module-ballerina-http SSLHandlerFactory.createHttp2TLSContextForServer uses
 * SslProvider.OPENSSL; /tmp/research/ballerina-facts.md section 5).
 *
 * What matters is not what it does but how it gets into the process: netty's NativeLibraryLoader copies
 * META-INF/native/<lib>.so out of the jar into io.netty.native.workdir (else java.io.tmpdir) and
 * System.load()s the copy (netty/netty common/src/main/java/io/netty/util/internal/NativeLibraryLoader.java;
 * section 6). A directory mounted noexec makes that dlopen fail with "failed to map segment from shared
 * object". The probe calls nativeAnswer() after loading, so a library that loaded but cannot be linked
 * (wrong symbol, wrong architecture) is also caught.
 *
 * Built by tests/support/runtime_probe.py: gcc -shared -fPIC with JDK 17's include directory.
 */
#include <jni.h>

JNIEXPORT jint JNICALL Java_RuntimeProbe_nativeAnswer(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return 42;
}

// Pure Java, no android.* imports: the app uses it, and scripts/jvm_test.sh tests it on the JVM.
// Java 11 bytecode so Android (AGP 8, minSdk 24 with desugaring) can consume it.
plugins {
    `java-library`
}

java {
    sourceCompatibility = JavaVersion.VERSION_11
    targetCompatibility = JavaVersion.VERSION_11
}

dependencies {
    testImplementation("junit:junit:4.13.2")
}

// src/jvmTest (the JNA -> libLiteRt C API engine and the parity test) is deliberately not a
// Gradle source set: it needs the ai-edge-litert Python wheel's libLiteRt.so and is run by
// scripts/jvm_test.sh only. It is never packaged into the app.

// The SDK an app team adds: LiteRT-backed engine, asset/file model loading with sidecar
// validation, and the small public API in com.recbuilder.sdk (Recommender, ModelBenchmark).
plugins {
    id("com.android.library")
}

android {
    namespace = "com.recbuilder.sdk"
    compileSdk = 34

    defaultConfig {
        minSdk = 24
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_11
        targetCompatibility = JavaVersion.VERSION_11
    }

    // Robolectric tests in src/test; the fakes in src/testFixtures are shared with app's tests.
    sourceSets {
        getByName("test") {
            java.srcDir("src/testFixtures/java")
        }
    }
    testOptions {
        unitTests.isIncludeAndroidResources = true
    }
}

dependencies {
    // core's types (Recommendation, Catalog, ModelException, ...) are part of the SDK's API.
    api(project(":core"))
    // Same LiteRT release as the pinned Python wheel (ai-edge-litert 2.3.0) used for parity.
    implementation("com.google.ai.edge.litert:litert:2.3.0")
    testImplementation("junit:junit:4.13.2")
    testImplementation("org.robolectric:robolectric:4.12.2")
}

plugins {
    id("com.android.application")
}

android {
    namespace = "com.recbuilder.demo.app"
    compileSdk = 34

    defaultConfig {
        applicationId = "com.recbuilder.demo"
        minSdk = 24
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_11
        targetCompatibility = JavaVersion.VERSION_11
    }

    // .tflite files are memory-mapped straight from the APK: they must be stored uncompressed.
    androidResources {
        noCompress += listOf("tflite")
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }

    // Robolectric screen tests in src/test (scripts/jvm_test.sh also runs them without Gradle),
    // with the sdk's fakes (FakeEngines, TestModels).
    sourceSets {
        getByName("test") {
            java.srcDir("../sdk/src/testFixtures/java")
        }
    }
    testOptions {
        unitTests.isIncludeAndroidResources = true
    }
}

dependencies {
    // The SDK brings core and the LiteRT runtime (com.google.ai.edge.litert:litert:2.3.0).
    implementation(project(":sdk"))
    testImplementation("junit:junit:4.13.2")
    testImplementation("org.robolectric:robolectric:4.12.2")
}

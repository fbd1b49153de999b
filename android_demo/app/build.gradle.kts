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
}

dependencies {
    implementation(project(":core"))
    // Same LiteRT release as the pinned Python wheel (ai-edge-litert 2.3.0) used for parity.
    implementation("com.google.ai.edge.litert:litert:2.3.0")
}

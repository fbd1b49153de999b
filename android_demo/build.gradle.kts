// Android Gradle Plugin 8.5 (needs Gradle >= 8.7; the wrapper pins 8.9).
plugins {
    id("com.android.application") version "8.5.2" apply false
    id("com.android.library") version "8.5.2" apply false
}

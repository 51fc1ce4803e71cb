//! Person name pools, part two: Persian, Korean, Turkish. Written for this harness.

// ---------- Persian ----------

pub const FA_GIVEN_M: &[&str] = &[
    "Mohammad", "Ali", "Hossein", "Hassan", "Reza", "Mehdi", "Ahmad", "Mahmoud", "Javad", "Jafar", "Abbas", "Mostafa",
    "Morteza", "Mojtaba", "Saeed", "Hamid", "Majid", "Masoud", "Behrouz", "Bahram", "Dariush", "Kourosh", "Farhad",
    "Farzad", "Fereydoun", "Ghasem", "Amir", "Arash", "Babak", "Behnam", "Behzad", "Davoud", "Ebrahim", "Esmail", "Hadi",
    "Hamed", "Hashem", "Iraj", "Jalal", "Jamshid", "Kamran", "Kazem", "Keyvan", "Mansour", "Manouchehr", "Mehran",
    "Mehrdad", "Mohsen", "Nader", "Naser", "Omid", "Parviz", "Payam", "Peyman", "Pouya", "Ramin", "Rostam", "Saman",
    "Shahram", "Shahriar", "Siavash", "Sohrab", "Taghi", "Vahid", "Yaghoub", "Younes", "Akbar", "Asghar", "Gholam", "Naghi",
    "Sadegh", "Heshmat", "Ezzatollah", "Nasrollah", "Habibollah", "Rahim", "Karim", "Mousa", "Isa", "Yousef", "Khosrow",
    "Houshang", "Jahangir", "Bijan", "Esfandiar", "Afshin", "Alborz", "Aref", "Ehsan", "Faramarz", "Hamidreza", "Alireza",
    "Gholamreza", "Mohammadreza",
];

pub const FA_GIVEN_F: &[&str] = &[

    "Zahra", "Fatemeh", "Maryam", "Masoumeh", "Leila", "Narges", "Nasrin", "Parisa", "Shirin", "Soheila", "Tahereh", "Azadeh", "Mahnaz",
    "Roya", "Shahla", "Mina", "Nazanin", "Golnaz", "Fariba", "Farideh", "Mitra", "Elham", "Sara", "Marzieh", "Shahnaz", "Forough", "Homa",
    "Ladan", "Neda", "Pegah", "Samaneh", "Taraneh",
];

/// First halves of compound given names ("Mohammad-Javad", "Ali Akbar").
pub const FA_COMPOUND_HEAD: &[&str] = &["Mohammad", "Ali", "Amir", "Hossein", "Gholam", "Abdol", "Hamid", "Mir"];

pub const FA_SURNAME: &[&str] = &[
    "Hosseini", "Mousavi", "Rezaei", "Ahmadi", "Mohammadi", "Karimi", "Jafari", "Rahimi", "Hashemi", "Sadeghi", "Ghasemi",
    "Kazemi", "Heidari", "Rostami", "Akbari", "Moradi", "Ebrahimi", "Nouri", "Soltani", "Najafi", "Rahmani", "Salehi",
    "Bagheri", "Hosseinzadeh", "Abbasi", "Amini", "Asadi", "Azizi", "Bahrami", "Daneshvar", "Esmaeili", "Farahani",
    "Ghorbani", "Habibi", "Jalali", "Kamali", "Khalili", "Khosravi", "Latifi", "Mahdavi", "Mirzaei", "Mohammadzadeh",
    "Nazari", "Nikpour", "Omidvar", "Parsa", "Pourmohammadi", "Ghaderi", "Rafiei", "Rajabi", "Sharifi", "Shirazi",
    "Tabrizi", "Tehrani", "Yazdani", "Zamani", "Zarei", "Vahidi", "Yousefi", "Shams", "Golshani", "Firouzabadi", "Haghighi",
    "Hamedani", "Esfahani", "Kermani", "Mashhadi", "Ghazvini", "Shahidi", "Taheri", "Vaezi", "Zanganeh", "Afshar",
    "Bakhtiari", "Dehghan", "Eslami", "Fallahi", "Ghaffari", "Jahangiri", "Kashani", "Lotfi", "Mahmoudi", "Mansouri",
    "Moghaddam", "Navabi", "Pahlavan", "Rashidi", "Sabet", "Tavakoli", "Vakili", "Zolfaghari", "Alavi", "Behbahani",
    "Hakimi", "Jamshidi", "Maleki", "Mazaheri", "Nematollahi", "Panahi", "Sarraf", "Shokri", "Tajik", "Yazdi", "Ziaei",
    "Ghanbari", "Asgari", "Bozorgmehr", "Darabi", "Farzaneh", "Hajizadeh", "Kiani", "Madani", "Naderi", "Shafiei", "Torabi",
    "Ahmadinejad", "Mottaghi", "Sepahvand", "Khorasani", "Abdollahi", "Heshmati", "Jahanbakhsh", "Rouhollahi", "Safavi",
    "Tabatabaei", "Valizadeh", "Zandi",
];

// ---------- Korean (revised romanisation; McCune-Reischauer forms come from the variant rules) ----------

pub const KO_SURNAME: &[&str] = &[

    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song",
    "Jeon", "Hong", "Yoo", "Ko", "Moon", "Yang", "Son", "Bae", "Baek", "Heo", "Nam", "Sim", "Noh", "Ha", "Kwak", "Seong", "Cha", "Joo",
    "Woo", "Gu", "Min", "Ryu", "Na", "Jin", "Ji", "Eom", "Chae", "Won", "Bang", "Pyo", "Myung", "Tak",
];

pub const KO_SYLLABLE: &[&str] = &[

    "jong", "un", "il", "song", "chol", "myong", "kwang", "yong", "hyon", "sun", "hui", "ok", "chun", "nam", "su", "min", "ho", "jun",
    "seung", "hyun", "ji", "woo", "sung", "young", "dong", "hoon", "jae", "hye", "eun", "soo", "kyung", "hee", "jin", "sang", "tae",
    "chang", "mi", "yeon", "ha", "won", "bin", "gyu", "seok", "hwan", "sik", "cheol", "byung", "kyu", "man", "gil", "bok", "ryong", "hak",
    "chan", "gun", "pil", "do", "beom", "joon", "mun", "taek", "hun", "yun", "rim", "ae", "hwa", "sook", "ja", "hyok", "ung",
];

// ---------- Turkish (Turkish letters; lists often write them in ASCII) ----------

pub const TR_GIVEN_M: &[&str] = &[
    "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman", "Yusuf", "Murat", "Ömer",
    "Ramazan", "Halil", "Süleyman", "Abdullah", "Mahmut", "Recep", "Fatih", "Kadir", "Emre", "Burak", "Serkan", "Gökhan",
    "Hakan", "Erkan", "Volkan", "Cengiz", "Cemal", "Çetin", "Doğan", "Erdal", "Ercan", "Ferhat", "Gürkan", "Hayati",
    "İlker", "Kemal", "Levent", "Metin", "Necati", "Oğuz", "Özgür", "Rıza", "Sadık", "Şükrü", "Tarık", "Tuncay", "Uğur",
    "Ümit", "Vedat", "Yavuz", "Zeki", "Bülent", "Cihan", "Engin", "Fikret", "Görkem", "Harun", "İlhan", "Kürşat",
    "Nurettin", "Selçuk", "Şenol", "Tayfun", "Yıldırım", "Aydın", "Barış", "Cüneyt", "Ertuğrul",
];

pub const TR_GIVEN_F: &[&str] = &[

    "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Zehra", "Sultan", "Hanife", "Gülsüm", "Özlem", "Derya",
    "Esra", "Gökçe", "Hülya", "Işıl", "Nurcan", "Şule", "Tülay", "Yasemin", "Büşra", "Çiğdem",
];

pub const TR_SURNAME: &[&str] = &[
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan",
    "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Korkmaz", "Karataş", "Erdoğan", "Güler",
    "Aksoy", "Kaplan", "Tekin", "Bulut", "Avcı", "Ünal", "Güneş", "Sarı", "Işık", "Bozkurt", "Taş", "Kocabaş", "Akın",
    "Yücel", "Turan", "Gündüz", "Uçar", "Toprak", "Özer", "Keskin", "Altun", "Başaran", "Çakır", "Duman", "Eren", "Ekinci",
    "Gök", "Karaca", "Kaymaz", "Köse", "Oral", "Sönmez", "Tuncer", "Uysal", "Yavuz", "Ateş", "Bayram", "Coşkun", "Dinç",
    "Erdem", "Gültekin", "Karakuş", "Mutlu", "Odabaşı", "Özbek", "Sağlam", "Tatlı", "Yazıcı", "Zengin", "Akgül", "Çiftçi",
    "Durmaz", "Gürbüz", "Kahraman", "Yurt",
];
